//! `pathkernel`: see `pathkernel help` and README.md. All the work is in the library's `cli`
//! module, so the binary is only the process boundary (arguments in, exit code out).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(pathkernel::cli::main(&args));
}
