//! FTP data connections (Zeek's FTP_DATA analyzer): each direction's
//! stream is one file for the files framework; the file's id and sniffed
//! MIME type go back to the control session that announced the
//! connection, for its next ftp.log row.

use crate::context::Context;
use crate::files::Transfer;
use crate::Analyzer;
use std::sync::{Arc, Mutex, MutexGuard};

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
    mime_reported: bool,
}

/// The analyzer of one expected data connection.
pub struct FtpDataAnalyzer {
    session: SharedDataFile,
    /// Files sent by the originator and by the responder.
    transfers: [Option<DataTransfer>; 2],
}

impl FtpDataAnalyzer {
    pub fn new(session: SharedDataFile) -> Self {
        FtpDataAnalyzer {
            session,
            transfers: [None, None],
        }
    }

    /// The file of this direction, begun (and announced to the session)
    /// with its first bytes.
    fn transfer(&mut self, cx: &mut Context<'_>, is_orig: bool) -> &mut DataTransfer {
        let session = &self.session;
        self.transfers[usize::from(!is_orig)].get_or_insert_with(|| {
            let transfer = Transfer::begin(cx, "FTP_DATA", is_orig, None);
            session.lock().fuid = Some(transfer.fuid().to_string());
            DataTransfer {
                transfer,
                mime_reported: false,
            }
        })
    }

    fn end(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        if let Some(mut t) = self.transfers[usize::from(!is_orig)].take() {
            report_mime(&self.session, &mut t);
            t.transfer.end(cx);
        }
    }
}

/// Zeek's `file_sniff` handler: the first sniffed type goes to the session.
fn report_mime(session: &SharedDataFile, t: &mut DataTransfer) {
    if t.mime_reported {
        return;
    }
    if let Some(mime) = t.transfer.mime_type() {
        session.lock().mime_type = Some(mime.to_string());
        t.mime_reported = true;
    }
}

impl Analyzer for FtpDataAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let session = self.session.clone();
        let t = self.transfer(cx, is_orig);
        t.transfer.data(cx, data);
        report_mime(&session, t);
    }

    fn gap(&mut self, cx: &mut Context<'_>, is_orig: bool, len: u64) {
        self.transfer(cx, is_orig).transfer.gap(len);
    }

    fn end_of_stream(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        self.end(cx, is_orig);
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        self.end(cx, true);
        self.end(cx, false);
    }
}
