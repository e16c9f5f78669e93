//! The destination and the work folder: checks before any work (the folder is writable,
//! the output is not an input, it does not exist unless overwriting, the command lines fit),
//! the private work folder beside the destination, and the final move into place.

use super::{InputFile, RunError};
use reel_core::plan::{Job, LinkTarget, Plan};
use std::path::{Path, PathBuf};

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// The most bytes of arguments (with their terminating NULs) a program can be started
/// with here, after room for the environment: `ARG_MAX` on Unix, 32,767 UTF-16 units for a
/// whole Windows command line.
pub fn command_line_limit() -> usize {
    #[cfg(unix)]
    {
        let arg_max = nix::unistd::sysconf(nix::unistd::SysconfVar::ARG_MAX)
            .ok()
            .flatten()
            .and_then(|v| usize::try_from(v).ok())
            .unwrap_or(128 * 1024);
        let environment: usize = std::env::vars_os().map(|(k, v)| k.len() + v.len() + 2).sum();
        arg_max.saturating_sub(environment + 4096)
    }
    #[cfg(not(unix))]
    {
        32_767
    }
}

/// Refuses a plan whose ffmpeg command lines cannot be started on this system (a timeline
/// of many thousands of clips: one input each), before anything is written.
pub fn check_command_lines(plan: &Plan, program: &Path) -> Result<(), RunError> {
    let limit = command_line_limit();
    for job in &plan.jobs {
        for command in std::iter::once(&job.command).chain(job.software_fallback.as_deref()) {
            let bytes = program.as_os_str().len() + 1 + command.to_args().iter().map(|a| a.len() + 1).sum::<usize>();
            if bytes > limit {
                let inputs = command.inputs.len();
                let fits = (inputs * limit / bytes.max(1) * 9 / 10).max(1);
                return Err(RunError::CommandTooLong { job: job.id.clone(), bytes, inputs, limit, fits });
            }
        }
    }
    Ok(())
}

/// Checks the destination before any work: its folder is writable, it is not an input
/// (of the plan, or one of `inputs`: the timeline, the settings file), and it does not
/// exist unless overwriting.
pub fn check_destination(plan: &Plan, destination: &Path, inputs: &[InputFile], overwrite: bool) -> Result<PathBuf, RunError> {
    let shown = destination.display().to_string();
    let folder = destination.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_owned);
    let meta = std::fs::metadata(&folder).map_err(|e| RunError::Folder { folder: folder.display().to_string(), reason: e.to_string() })?;
    if !meta.is_dir() {
        return Err(RunError::Folder { folder: folder.display().to_string(), reason: "it is not a folder".to_owned() });
    }
    let named = inputs.iter().map(|i| (i.path.clone(), i.shown.clone()));
    for (input, input_shown) in plan.sources().into_iter().map(|p| (PathBuf::from(&p), p)).chain(named) {
        if same_file(destination, &input) {
            return Err(RunError::IsInput { path: shown, input: input_shown });
        }
    }
    if destination.is_dir() {
        return Err(RunError::Folder { folder: shown, reason: "the output path is a folder; give a file name such as out.mp4".to_owned() });
    }
    if destination.exists() && !overwrite {
        return Err(RunError::Exists { path: shown });
    }
    Ok(folder)
}

/// Makes a job's work folder, `root/<job id>`: the files it reads written, its links made
/// (to a source, or to the output of a job it depends on, in that job's folder).
pub(super) fn prepare(plan: &Plan, job: &Job, root: &Path) -> Result<PathBuf, RunError> {
    let fail = |path: &Path, e: std::io::Error| RunError::WorkFolder { path: path.display().to_string(), reason: e.to_string() };
    let work = root.join(&job.id);
    std::fs::create_dir_all(&work).map_err(|e| fail(&work, e))?;
    for file in &job.files {
        let path = work.join(&file.name);
        std::fs::write(&path, &file.contents).map_err(|e| fail(&path, e))?;
    }
    for link in &job.links {
        let path = work.join(&link.name);
        let target = match &link.target {
            LinkTarget::Source(source) => PathBuf::from(source),
            LinkTarget::Job(id) => {
                let output = plan.job(id).map_or_else(String::new, |j| j.command.output.clone());
                root.join(id).join(output)
            }
        };
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, &path).map_err(|e| fail(&path, e))?;
        #[cfg(not(unix))]
        std::fs::hard_link(&target, &path).or_else(|_| std::fs::copy(&target, &path).map(|_| ())).map_err(|e| fail(&path, e))?;
    }
    Ok(work)
}

/// Moves the finished file into place. Unless overwriting, it never replaces a file that
/// appeared meanwhile (another program's, another export's): an atomic no-replace rename
/// where the system has one (Linux `renameat2`, macOS `renamex_np`), else a hard link
/// (also atomic), and only where neither works (a file system without links) a check
/// followed by a rename.
pub(super) fn place(from: &Path, destination: &Path, overwrite: bool) -> Result<(), RunError> {
    let fail = |e: std::io::Error| RunError::Rename { path: destination.display().to_string(), reason: e.to_string() };
    let exists = || RunError::Exists { path: destination.display().to_string() };
    if overwrite {
        return std::fs::rename(from, destination).map_err(fail);
    }
    match rename_no_replace(from, destination) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
        Err(_) => {}
    }
    match std::fs::hard_link(from, destination) {
        Ok(()) => {
            let _ = std::fs::remove_file(from);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
        Err(_) if !destination.exists() => std::fs::rename(from, destination).map_err(fail),
        Err(_) => Err(exists()),
    }
}

/// Renames `from` to `to` unless `to` exists (then `AlreadyExists`), atomically; an
/// `Unsupported` (or the file system's) error where that cannot be done.
fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use nix::fcntl::{renameat2, RenameFlags};
        renameat2(None, from, None, to, RenameFlags::RENAME_NOREPLACE).map_err(std::io::Error::from)
    }
    #[cfg(target_os = "macos")]
    {
        use std::os::unix::ffi::OsStrExt;
        let (from, to) = (std::ffi::CString::new(from.as_os_str().as_bytes())?, std::ffi::CString::new(to.as_os_str().as_bytes())?);
        // SAFETY: both are valid NUL-terminated paths that outlive the call.
        #[allow(unsafe_code)]
        let result = unsafe { libc::renamex_np(from.as_ptr(), to.as_ptr(), libc::RENAME_EXCL) };
        if result == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
    #[cfg(not(any(all(target_os = "linux", target_env = "gnu"), target_os = "macos")))]
    {
        let _ = (from, to);
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placing_never_replaces_a_file_that_appeared_unless_overwriting() {
        let tmp = tempfile::tempdir().unwrap();
        let (from, to) = (tmp.path().join("output.mp4"), tmp.path().join("out.mp4"));
        std::fs::write(&from, b"new").unwrap();
        std::fs::write(&to, b"someone else's").unwrap();
        assert!(matches!(place(&from, &to, false), Err(RunError::Exists { .. })));
        assert_eq!(std::fs::read(&to).unwrap(), b"someone else's");
        assert!(
            matches!(rename_no_replace(&from, &to), Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists || e.kind() == std::io::ErrorKind::Unsupported)
        );
        place(&from, &to, true).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), b"new");
        std::fs::write(&from, b"newer").unwrap();
        std::fs::remove_file(&to).unwrap();
        place(&from, &to, false).unwrap();
        assert!(!from.exists());
        assert_eq!(std::fs::read(&to).unwrap(), b"newer");
    }
}
