//! Other processes, as far as leftovers need them: whether the process that named a staging
//! folder or a temporary file after itself is still running, so only what a dead run left is
//! ever removed.

use std::path::Path;

/// Whether a process of that id is running (where the system says; assumed so elsewhere, so
/// nothing is removed there). A process that has ended but not yet been reaped by its parent (a
/// run a script killed and has not waited for) is not running.
pub fn alive(pid: &str) -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let process = Path::new("/proc").join(pid);
    match std::fs::read_to_string(process.join("stat")) {
        Ok(stat) => !ended(&stat),
        Err(_) => process.exists(),
    }
}

/// Whether a `/proc/<pid>/stat` line gives the state of a process that has ended: a zombie
/// (`Z`) or one being torn down (`X`). The state follows the name in parentheses, which may
/// itself hold spaces and parentheses.
fn ended(stat: &str) -> bool {
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    matches!(state, Some('Z' | 'X'))
}

#[cfg(test)]
mod tests {
    use super::{alive, ended};

    #[test]
    fn this_process_is_alive_and_an_impossible_one_is_not() {
        assert!(alive(&std::process::id().to_string()));
        if cfg!(target_os = "linux") {
            // Above the kernel's largest process id (2^22).
            assert!(!alive("4194305"));
        }
    }

    #[test]
    fn a_process_that_ended_unreaped_is_not_alive() {
        assert!(ended("4242 (foresight) Z 1 4242 4242 0 -1"));
        assert!(ended("4242 (a (b) c) X 1"));
        assert!(!ended("4242 (a) Z) S 1 4242"));
        assert!(!ended("4242 (foresight) R 1 4242 4242 0 -1"));
        if !cfg!(target_os = "linux") {
            return;
        }
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id().to_string();
        let started = std::time::Instant::now();
        // Not reaped until `wait`: it stays a zombie once it has exited.
        while alive(&pid) && started.elapsed().as_secs() < 10 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!alive(&pid), "an exited, unreaped child counts as running");
        // Where the parent of this test ignores SIGCHLD, the child is reaped already.
        let _ = child.wait();
    }
}
