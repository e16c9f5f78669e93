//! The `reel` binary: parses the command line and hands over to [`reel_cli::run`].

fn main() {
    if let Err(code) = reel_cli::run() {
        std::process::exit(code);
    }
}
