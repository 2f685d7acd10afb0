//! Typed, prefixed identifiers (`wf_…`, `fm_…`): the prefix tells a reader what an id
//! names, and a mixed-up id fails lookup instead of matching the wrong table.

use rand::Rng;

const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
const RANDOM_LEN: usize = 20;

/// A fresh id such as `wf_3k9v…`: 100 random bits, Crockford base32.
pub fn new_id(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(prefix.len() + 1 + RANDOM_LEN);
    id.push_str(prefix);
    id.push('_');
    for _ in 0..RANDOM_LEN {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = new_id("wf");
        let b = new_id("wf");
        assert!(a.starts_with("wf_"));
        assert_eq!(a.len(), 3 + RANDOM_LEN);
        assert_ne!(a, b);
    }
}
