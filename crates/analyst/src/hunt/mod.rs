//! `shrike hunt`.

/// The `hunt` command; returns the exit status.
pub fn main(_args: &[String]) -> i32 {
    eprintln!("shrike hunt: not yet");
    1
}
