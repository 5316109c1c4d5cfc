//! FTP data connections (Zeek's FTP_DATA analyzer): each direction's
//! stream is one file for the files framework; the file's id and MIME type
//! go back to the control session that announced the connection, for its
//! next ftp.log row.

use crate::context::Context;
use crate::files::Transfer;
use crate::Analyzer;
use std::sync::{Arc, Mutex, MutexGuard};

/// Bytes the analyzer looks at to name the content type (Zeek's
/// `file_transferred` event fires when this much has come, or at the end).
const IDENTIFY_BYTES: usize = 1024;

/// What the data connections of one control session last reported
/// (Zeek sets these on the session's `FTP::Info` and deletes them once a
/// row is written).
#[derive(Debug, Default)]
pub struct DataFile {
    pub fuid: Option<String>,
    pub mime_type: Option<String>,
}

/// [`DataFile`] shared by a control session and its data connections.
#[derive(Debug, Clone, Default)]
pub struct SharedDataFile(Arc<Mutex<DataFile>>);

impl SharedDataFile {
    /// The state, even if a panicking holder poisoned the lock.
    pub fn lock(&self) -> MutexGuard<'_, DataFile> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One file per direction of a data connection.
struct DataTransfer {
    transfer: Transfer,
    sniffed: bool,
}

impl DataTransfer {
    /// Zeek's `file_sniff` handler: the sniffed type, once, when known.
    fn report_sniffed(&mut self, session: &SharedDataFile) {
        if self.sniffed {
            return;
        }
        if let Some(mime) = self.transfer.mime_type() {
            session.lock().mime_type = Some(mime.to_string());
            self.sniffed = true;
        }
    }
}

/// The analyzer of one expected data connection. Its files end when the
/// connection goes (as Zeek's analyzer's `Done`), not at FIN: whether a
/// MIME type makes the control session's next row depends on it.
pub struct FtpDataAnalyzer {
    session: SharedDataFile,
    /// Files sent by the originator and by the responder.
    transfers: [Option<DataTransfer>; 2],
    /// Bytes seen so far (both directions), up to [`IDENTIFY_BYTES`].
    seen: usize,
    /// The direction the first bytes came from.
    first_dir: Option<usize>,
    identified: bool,
}

impl FtpDataAnalyzer {
    pub fn new(session: SharedDataFile) -> Self {
        FtpDataAnalyzer {
            session,
            transfers: [None, None],
            seen: 0,
            first_dir: None,
            identified: false,
        }
    }

    /// The file of direction `dir`, begun (and announced to the session)
    /// with its first bytes.
    fn transfer(&mut self, cx: &mut Context<'_>, dir: usize) -> &mut DataTransfer {
        let session = &self.session;
        self.transfers[dir].get_or_insert_with(|| {
            let transfer = Transfer::begin(cx, "FTP_DATA", dir == 0, None);
            session.lock().fuid = Some(transfer.fuid().to_string());
            DataTransfer {
                transfer,
                sniffed: false,
            }
        })
    }

    /// Zeek's `file_transferred` handler: the type of the first bytes, or
    /// `<unknown>`, goes to the session.
    fn identify(&mut self) {
        self.identified = true;
        let first = self.first_dir.and_then(|d| self.transfers[d].as_ref());
        let mime = first
            .and_then(|t| t.transfer.mime_type())
            .unwrap_or("<unknown>");
        let mime = mime.split(';').next().unwrap_or(mime).to_string();
        self.session.lock().mime_type = Some(mime);
    }
}

fn direction(is_orig: bool) -> usize {
    usize::from(!is_orig)
}

impl Analyzer for FtpDataAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let dir = direction(is_orig);
        self.first_dir.get_or_insert(dir);
        self.transfer(cx, dir).transfer.data(cx, data);
        self.seen = (self.seen + data.len()).min(IDENTIFY_BYTES);
        if self.seen == IDENTIFY_BYTES && !self.identified {
            self.identify();
        }
        let session = self.session.clone();
        if let Some(t) = self.transfers[dir].as_mut() {
            t.report_sniffed(&session);
        }
    }

    fn gap(&mut self, cx: &mut Context<'_>, is_orig: bool, len: u64) {
        self.transfer(cx, direction(is_orig)).transfer.gap(len);
    }

    /// The sender's FIN: its file is complete, so its type is known now.
    fn end_of_stream(&mut self, _cx: &mut Context<'_>, is_orig: bool) {
        let session = self.session.clone();
        if let Some(t) = self.transfers[direction(is_orig)].as_mut() {
            t.transfer.sniff_now();
            t.report_sniffed(&session);
        }
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        if self.seen > 0 && !self.identified {
            self.identify();
        }
        for mut t in self.transfers.iter_mut().filter_map(Option::take) {
            t.report_sniffed(&self.session);
            t.transfer.end(cx);
        }
    }
}
