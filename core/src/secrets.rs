//! Encryption of stored secrets (endpoint credentials, signing secrets) with AES-256-GCM.
//! The key comes from `OUTFLOW_SECRET_KEY` (base64 or hex of 32 bytes) or from a key file
//! created once in the data folder with owner-only permissions.

use std::{fs, io::Write, path::Path};

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, AeadCore, KeyInit, OsRng},
};
use base64::{Engine, engine::general_purpose::STANDARD};

const KEY_FILE: &str = "secret.key";
const SEALED_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("OUTFLOW_SECRET_KEY must be 32 bytes as base64 or hex")]
    BadKey,
    #[error("cannot read or create the key file {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
    #[error("a stored secret cannot be decrypted with this key")]
    Undecryptable,
}

/// Seals and opens secrets. Cheap to clone.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    pub fn from_key(key: &[u8; 32]) -> SecretBox {
        SecretBox { cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)) }
    }

    /// The key from the environment value if given, else from (or into) the data folder.
    pub fn load(env_key: Option<&str>, data_dir: &Path) -> Result<SecretBox, SecretError> {
        if let Some(text) = env_key {
            return Ok(SecretBox::from_key(&decode_key(text)?));
        }
        let path = data_dir.join(KEY_FILE);
        let key_file_error = |source| SecretError::KeyFile { path: path.display().to_string(), source };
        match fs::read_to_string(&path) {
            Ok(text) => Ok(SecretBox::from_key(&decode_key(text.trim())?)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = Aes256Gcm::generate_key(OsRng);
                write_owner_only(&path, STANDARD.encode(key).as_bytes()).map_err(key_file_error)?;
                Ok(SecretBox { cipher: Aes256Gcm::new(&key) })
            }
            Err(error) => Err(key_file_error(error)),
        }
    }

    /// `v1:` + base64(nonce ‖ ciphertext).
    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption only fails for plaintexts beyond 64 GiB.
        let ciphertext = self.cipher.encrypt(&nonce, plaintext.as_bytes()).unwrap_or_default();
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(sealed))
    }

    pub fn open(&self, sealed: &str) -> Result<String, SecretError> {
        let bytes = sealed.strip_prefix(SEALED_PREFIX).and_then(|text| STANDARD.decode(text).ok()).ok_or(SecretError::Undecryptable)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::Undecryptable);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plaintext = self.cipher.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| SecretError::Undecryptable)?;
        String::from_utf8(plaintext).map_err(|_| SecretError::Undecryptable)
    }
}

fn decode_key(text: &str) -> Result<[u8; 32], SecretError> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        (0..32).map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16)).collect::<Result<Vec<u8>, _>>().map_err(|_| SecretError::BadKey)?
    } else {
        STANDARD.decode(text).map_err(|_| SecretError::BadKey)?
    };
    bytes.try_into().map_err(|_| SecretError::BadKey)
}

fn write_owner_only(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key() {
        let one = SecretBox::from_key(&[7; 32]);
        let sealed = one.seal("hunter2");
        assert!(!sealed.contains("hunter2"));
        assert_ne!(sealed, one.seal("hunter2"), "a fresh nonce every time");
        assert_eq!(one.open(&sealed).unwrap(), "hunter2");
        assert!(SecretBox::from_key(&[8; 32]).open(&sealed).is_err());
        assert!(one.open("v1:garbage").is_err());
    }

    #[test]
    fn the_key_file_is_created_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretBox::load(None, dir.path()).unwrap();
        let sealed = first.seal("s");
        let again = SecretBox::load(None, dir.path()).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "s");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(SecretBox::load(Some("short"), dir.path()).is_err());
        assert!(SecretBox::load(Some(&"ab".repeat(32)), dir.path()).is_ok());
    }
}
