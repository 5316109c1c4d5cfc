//! How often an analyzer's weird is logged: Zeek's `Weird::actions` (the
//! weird framework's defaults) for the names analyzers raise. Anything not
//! listed is logged every time, as Zeek's `&default=ACTION_LOG`.

/// Zeek's weird actions that limit logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Every occurrence.
    Always,
    /// Once per connection.
    PerConn,
    /// Once per originator address.
    PerOrig,
    /// Not logged.
    Ignore,
}

const PER_CONN: &[&str] = &[
    // Zeek's SSH parser stops at the first oversized field of a
    // connection (one weird each), where Shrike reads on with the cap.
    "SSH_max_packet_length_exceeded",
    "SSH_max_string_length_exceeded",
    "FTP_max_command_length_exceeded",
    "FTP_too_many_pending_commands",
    "FTP_user_too_long",
    "FTP_reply_msg_too_long",
    "FTP_arg_too_long",
    "FTP_password_too_long",
    "simultaneous_open",
    "smtp_mail_transaction_invalid",
    "smtp_excessive_invalid_mail_transactions",
    "smb_tree_connect_andx_response_without_tree",
    // Raised each time a limit is hit again; Zeek's weird framework logs
    // a name once per connection (`Weird::weird_ignore`).
    "SMB_discarded_messages_state",
    "SMB_discarded_dce_rpc_analyzers",
];

const PER_ORIG: &[&str] = &[
    "DNS_label_forward_compress_offset",
    "DNS_label_len_gt_name_len",
    "DNS_label_len_gt_pkt",
    "DNS_label_too_long",
    "SYN_with_data",
    "bad_RPC",
    "excess_RPC",
    "originator_RPC_reply",
    "partial_RPC",
    "responder_RPC_call",
];

const IGNORED: &[&str] = &[
    "unsolicited_SYN_response",
    "FIN_after_reset",
    "spontaneous_FIN",
    "spontaneous_RST",
];

pub fn repeat(name: &str) -> Repeat {
    if PER_CONN.contains(&name) {
        Repeat::PerConn
    } else if PER_ORIG.contains(&name) {
        Repeat::PerOrig
    } else if IGNORED.contains(&name) {
        Repeat::Ignore
    } else {
        Repeat::Always
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_zeeks_table() {
        assert_eq!(repeat("FTP_arg_too_long"), Repeat::PerConn);
        assert_eq!(repeat("DNS_label_too_long"), Repeat::PerOrig);
        assert_eq!(repeat("spontaneous_RST"), Repeat::Ignore);
        assert_eq!(repeat("HTTP_version_mismatch"), Repeat::Always);
    }
}
