//! The files an SMB connection moves, as Zeek's file analysis sees them:
//! a file is named by its share path, name and last write time (Zeek's
//! SMB file handle), so every open of the same file on the connection
//! feeds the same files.log row until it is closed or complete. Data
//! comes at offsets (READ and WRITE carry them); the files framework's
//! [`OffsetTransfer`] puts it in order.

use crate::files::{OffsetTransfer, Transfer};
use crate::Context;

/// Files in progress per connection; beyond, the least recently active
/// one ends.
const MAX_OPEN_FILES: usize = 64;

/// What names a file (Zeek's `SMB::get_file_handle`): share path, name,
/// last write time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle {
    pub path: String,
    pub name: String,
    pub modified: u64,
}

/// What the protocol knows of a file when its first data arrives.
pub struct Announced<'a> {
    pub name: Option<&'a str>,
    /// Its size (0 when unknown: a new file).
    pub size: u64,
}

struct OpenFile {
    handle: Handle,
    file: OffsetTransfer,
}

/// The files of one connection in progress, in the order they began.
#[derive(Default)]
pub struct Files {
    open: Vec<OpenFile>,
}

impl Files {
    /// File data at `offset`, sent by the originator if `is_orig`. The
    /// file begins with its first data.
    pub fn data(
        &mut self,
        cx: &mut Context<'_>,
        handle: &Handle,
        announced: Announced<'_>,
        is_orig: bool,
        offset: u64,
        data: &[u8],
    ) {
        self.time_out(cx);
        let i = match self.open.iter().position(|f| &f.handle == handle) {
            Some(i) => i,
            None => {
                if self.open.len() >= MAX_OPEN_FILES {
                    self.end_least_recent(cx);
                }
                let total = (announced.size > 0).then_some(announced.size);
                let mut transfer = Transfer::begin(cx, "SMB", is_orig, total);
                if let Some(name) = announced.name {
                    transfer.set_filename(name.as_bytes());
                }
                self.open.push(OpenFile {
                    handle: handle.clone(),
                    file: OffsetTransfer::new(transfer),
                });
                self.open.len() - 1
            }
        };
        let file = &mut self.open[i].file;
        file.write(cx, offset, data);
        // Zeek ends a file the moment its announced size is reached.
        if file.transfer().complete() {
            self.open.remove(i).file.end(cx);
        }
    }

    /// The file was closed.
    pub fn close(&mut self, cx: &mut Context<'_>, handle: &Handle) {
        if let Some(i) = self.open.iter().position(|f| &f.handle == handle) {
            self.open.remove(i).file.end(cx);
        }
        self.time_out(cx);
    }

    /// Files without activity for Zeek's file timeout end as timed out.
    fn time_out(&mut self, cx: &mut Context<'_>) {
        let mut i = 0;
        while i < self.open.len() {
            if self.open[i].file.transfer().is_idle(cx.now) {
                self.open.remove(i).file.timed_out(cx);
            } else {
                i += 1;
            }
        }
    }

    fn end_least_recent(&mut self, cx: &mut Context<'_>) {
        let oldest =
            (0..self.open.len()).min_by_key(|&i| self.open[i].file.transfer().last_active());
        if let Some(i) = oldest {
            self.open.remove(i).file.end(cx);
        }
    }

    /// The connection is gone: every file ends (in the order they began).
    pub fn finish(&mut self, cx: &mut Context<'_>) {
        for f in std::mem::take(&mut self.open) {
            f.file.end(cx);
        }
    }
}
