//! The files framework: one files.log row per transferred file, MIME type
//! sniffed from content, hashes, extraction. Protocol analyzers feed
//! transfers through [`Transfer`], or [`OffsetTransfer`] when data comes at
//! offsets in any order.

mod extract;
mod hash;
mod mime;
mod reassembly;
mod record;
mod transfer;
mod zip;

pub use extract::ExtractBudget;
pub use reassembly::OffsetTransfer;
pub use record::FilesRecord;
pub use transfer::{Transfer, BOF_BUFFER_SIZE, FILE_TIMEOUT};

use std::path::PathBuf;

/// Zeek's files options.
#[derive(Debug, Clone)]
pub struct FilesConfig {
    /// Compute md5/sha1/sha256 (`frameworks/files/hash-all-files`).
    pub hash: bool,
    /// Write every file under this directory
    /// (`frameworks/files/extract-all-files`, `--extract-files DIR`).
    pub extract_dir: Option<PathBuf>,
    /// `FileExtract::default_limit`: bytes written per file (0 = no limit).
    pub extract_limit: u64,
    /// Bytes extracted over the whole run (0 = no limit).
    pub extract_total_limit: u64,
    /// What the run extracted so far, shared by the clones of this config.
    pub extract_budget: ExtractBudget,
    /// `default_file_bof_buffer_size`: bytes kept for MIME sniffing.
    pub bof_buffer_size: usize,
    /// Members of ZIP archives become files of their own
    /// (`policy/files/zip/register`).
    pub unzip: bool,
}

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig {
            hash: true,
            extract_dir: None,
            extract_limit: 0,
            extract_total_limit: 0,
            extract_budget: ExtractBudget::default(),
            bof_buffer_size: BOF_BUFFER_SIZE,
            unzip: false,
        }
    }
}

/// The MIME type Zeek's default file-magic signatures give content starting
/// with `bytes` (only the first [`BOF_BUFFER_SIZE`] bytes count, as in Zeek
/// with its default buffer size).
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    mime::sniff(&bytes[..bytes.len().min(BOF_BUFFER_SIZE)])
}

#[cfg(test)]
mod tests;
