//! wasm-split (see `./x build`) needs the linker's relocations to move functions into chunks;
//! only this bundle is split, so only its link asks for them.
fn main() {
    println!("cargo::rustc-link-arg=--emit-relocs");
}
