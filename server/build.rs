//! Makes sure the folder of embedded browser assets exists, so the server compiles even
//! before the first wasm build (it then serves pages that do not hydrate, and says so).

fn main() {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site");
    if !site.exists() {
        // Failing to create it leaves rust-embed to report the missing folder itself.
        let _ = std::fs::create_dir_all(&site);
    }
    println!("cargo:rerun-if-changed=../target/site");
}
