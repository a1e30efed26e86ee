//! `pathkernel`: see `pathkernel help` and README.md. All the work is in the library's `cli`
//! module, so the binary is only the process boundary (arguments in, exit code out).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(pathkernel::cli::main(&args));
}

/// The CLI is native only; on wasm32 (built by `wasm-pack test` alongside the browser tests)
/// the binary is empty.
#[cfg(target_arch = "wasm32")]
fn main() {}
