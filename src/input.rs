//! Reading the files a user names (scenarios, `extends`, facts, evidence, batch entries, shards,
//! run records): only regular files, and never more than a stated size. A device such as
//! `/dev/zero` would otherwise be read until memory ran out, and a FIFO would hang the program
//! before any message; both are refused by name, at once.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// A directory, device, FIFO or socket: what it is.
    NotRegular(&'static str),
    /// Larger than the limit: its size, where the file said it, and the limit, in bytes.
    TooLarge {
        size: Option<u64>,
        limit: u64,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(error) => write!(f, "cannot read the file: {error}"),
            ReadError::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooLarge {
                size: Some(bytes),
                limit,
            } => write!(f, "the file is {bytes} bytes, more than {}", size(*limit)),
            ReadError::TooLarge { size: None, limit } => {
                write!(f, "the file is larger than {}", size(*limit))
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// A limit as people say it: `4 MiB`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

/// The bytes of a regular file of at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path)?;
    let stated = file.metadata().map_err(ReadError::Io)?.len();
    if stated > limit {
        return Err(ReadError::TooLarge {
            size: Some(stated),
            limit,
        });
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        // It grew while being read.
        return Err(ReadError::TooLarge { size: None, limit });
    }
    Ok(bytes)
}

/// The text of a regular file of at most `limit` bytes; not UTF-8 is an I/O error.
pub fn read_text_bounded(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bounded(path, limit)?;
    String::from_utf8(bytes)
        .map_err(|error| ReadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, error)))
}

/// Opens a file for reading only if it is a regular one. The open does not wait for a writer
/// (a FIFO would block there), and the kind is read from the opened file itself.
fn open_regular(path: &Path) -> Result<File, ReadError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let kind = file.metadata().map_err(ReadError::Io)?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    Err(ReadError::NotRegular(describe(kind)))
}

fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a plain file"
    }
}

/// SHA-256 of some bytes in hex: what a run records of an input to tell later whether it changed.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
