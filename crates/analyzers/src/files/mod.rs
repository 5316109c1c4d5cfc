//! The files framework: one files.log row per transferred file, MIME type
//! sniffed from content, hashes, extraction. Protocol analyzers (HTTP now,
//! SMTP and FTP later) feed transfers through [`Transfer`].

mod record;

pub use record::FilesRecord;

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
}

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig {
            hash: true,
            extract_dir: None,
            extract_limit: 0,
            extract_total_limit: 0,
        }
    }
}

use crate::context::Context;
use crate::record::AppRecord;
use records::{Port, Set, Time, ZString};

/// One file being transferred over a connection. Protocol analyzers create
/// it when a body/attachment starts, feed it in order, and end it; the row
/// goes to files.log when it ends.
pub struct Transfer {
    rec: FilesRecord,
    start: Time,
}

impl Transfer {
    /// A new file seen on `cx`'s connection, sent by the originator if
    /// `is_orig`; `source` is the analyzer ("HTTP", "SMTP", "FTP_DATA");
    /// `total_bytes` when the protocol announces the size.
    pub fn begin(
        cx: &mut Context<'_>,
        source: &str,
        is_orig: bool,
        total_bytes: Option<u64>,
    ) -> Transfer {
        let c = cx.conn;
        let rec = FilesRecord {
            ts: cx.now,
            fuid: cx.new_fuid(),
            uid: Some(c.uid.to_string()),
            orig_h: Some(c.orig_h),
            orig_p: Some(Port(c.orig_p)),
            resp_h: Some(c.resp_h),
            resp_p: Some(Port(c.resp_p)),
            source: Some(source.to_string()),
            depth: 0,
            analyzers: Set(Vec::new()),
            local_orig: c.local_orig,
            is_orig: Some(is_orig),
            total_bytes,
            ..FilesRecord::default()
        };
        Transfer { rec, start: cx.now }
    }

    /// The file's id (for `orig_fuids`/`resp_fuids`).
    pub fn fuid(&self) -> &str {
        &self.rec.fuid
    }

    /// The sniffed MIME type, once known.
    pub fn mime_type(&self) -> Option<&str> {
        self.rec.mime_type.as_deref()
    }

    /// The file name the protocol announced (e.g. Content-Disposition).
    pub fn set_filename(&mut self, name: &[u8]) {
        self.rec.filename = Some(ZString(name.to_vec()));
    }

    /// The next bytes of the file, in order.
    pub fn data(&mut self, _cx: &mut Context<'_>, bytes: &[u8]) {
        self.rec.seen_bytes += bytes.len() as u64;
    }

    /// `len` bytes of the file are missing.
    pub fn gap(&mut self, len: u64) {
        self.rec.missing_bytes += len;
    }

    /// The file is complete (or abandoned): write its files.log row.
    pub fn end(mut self, cx: &mut Context<'_>) {
        self.rec.duration = cx.now.since(self.start);
        cx.emit(AppRecord::Files(Box::new(self.rec)));
    }
}
