//! Other processes, as far as leftovers need them: whether the process that named a staging
//! folder, a lock or a temporary file after itself is still running, so only what a dead run
//! left is ever removed.

use std::path::Path;

/// Whether a process of that id is running (where the system says; assumed so elsewhere, so
/// nothing is removed there).
pub fn alive(pid: &str) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_is_alive_and_an_impossible_one_is_not() {
        assert!(super::alive(&std::process::id().to_string()));
        if cfg!(target_os = "linux") {
            // Above the kernel's largest process id (2^22).
            assert!(!super::alive("4194305"));
        }
    }
}
