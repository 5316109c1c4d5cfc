//! DCE/RPC over SMB named pipes: one DCE/RPC analysis per pipe (file id),
//! as many as `SMB::max_dce_rpc_analyzers` allows.

use crate::dce_rpc::PduStreams;
use crate::Context;
use std::collections::HashMap;

/// Pipes analysed at once when `SMB::max_dce_rpc_analyzers` is 0 (no
/// limit in Zeek): past this they start over.
const HARD_LIMIT: usize = 1 << 12;

#[derive(Default)]
pub struct Pipes {
    by_fid: HashMap<u64, PduStreams>,
}

impl Pipes {
    /// Bytes written to (`is_orig`) or read from pipe `fid`.
    pub fn deliver(&mut self, cx: &mut Context<'_>, fid: u64, is_orig: bool, data: &[u8]) {
        if !self.by_fid.contains_key(&fid) {
            let max = cx.config.smb.max_dce_rpc_analyzers;
            if self.by_fid.len() >= if max == 0 { HARD_LIMIT } else { max } {
                if max > 0 {
                    cx.weird("SMB", "SMB_discarded_dce_rpc_analyzers", None);
                }
                self.by_fid.clear();
            }
        }
        let pdus = self.by_fid.entry(fid).or_default();
        if pdus.deliver(cx, is_orig, data).confirmed {
            cx.confirm_also("dce_rpc");
        }
    }

    /// The pipe was closed.
    pub fn close(&mut self, fid: u64) {
        self.by_fid.remove(&fid);
    }
}
