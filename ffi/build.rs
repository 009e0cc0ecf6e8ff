//! Gives the shared library a versioned SONAME (`liboutpaint.so.0` while the major
//! version is 0: the C ABI may change between minor versions until 1.0, and the SONAME
//! says so), as distributions expect.

fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    if target_os == "linux" || target_os == "android" || target_os.ends_with("bsd") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,liboutpaint.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
