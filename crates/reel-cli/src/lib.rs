//! The `reel` command line.

/// Runs the command line; `Err` holds the exit code (see `reel_wire::exit`).
pub fn run() -> Result<(), i32> {
    Ok(())
}
