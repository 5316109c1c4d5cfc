//! SMB1: what Zeek's limits and named pipes make of it. AndX chains
//! deeper than `SMB::max_andx_depth` are a weird; TRANSACTION requests
//! to a named pipe carry DCE/RPC.

use super::parser;
use super::Session;
use crate::Context;

/// One whole SMB1 message.
pub fn message(cx: &mut Context<'_>, session: &mut Session, is_orig: bool, msg: &[u8]) {
    let Some(h) = parser::smb1_header(msg) else {
        return;
    };
    // A failed response carries no commands.
    if is_orig || h.status == 0 {
        let max_depth = cx.config.smb.max_andx_depth;
        if parser::andx_depth_exceeded(&h, msg, max_depth) {
            cx.weird("SMB", "smb_andx_depth_exceeded", None);
        }
    }
    if is_orig && h.command == parser::SMB1_TRANSACTION {
        if let Some(data) = parser::transaction_pipe_data(&h, msg) {
            // Zeek knows no file id for these: all share pipe 0.
            session.pipes.deliver(cx, 0, true, data);
        }
    }
}
