//! The framework's vocabulary: indicator types (`Intel::Type`),
//! where-locations (`Intel::Where`) and which `seen` scripts are loaded.

/// Zeek's `Intel::Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Addr,
    Subnet,
    Url,
    Software,
    Email,
    Domain,
    UserName,
    CertHash,
    PubkeyHash,
    FileHash,
    FileName,
    /// Older Zeek's type for user agents, matched where SOFTWARE is.
    UserAgent,
}

const KINDS: [(Kind, &str); 12] = [
    (Kind::Addr, "Intel::ADDR"),
    (Kind::Subnet, "Intel::SUBNET"),
    (Kind::Url, "Intel::URL"),
    (Kind::Software, "Intel::SOFTWARE"),
    (Kind::Email, "Intel::EMAIL"),
    (Kind::Domain, "Intel::DOMAIN"),
    (Kind::UserName, "Intel::USER_NAME"),
    (Kind::CertHash, "Intel::CERT_HASH"),
    (Kind::PubkeyHash, "Intel::PUBKEY_HASH"),
    (Kind::FileHash, "Intel::FILE_HASH"),
    (Kind::FileName, "Intel::FILE_NAME"),
    (Kind::UserAgent, "Intel::USER_AGENT"),
];

impl Kind {
    pub fn name(self) -> &'static str {
        KINDS[self as usize].1
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        KINDS.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }
}

/// Zeek's `Intel::Where`: a where-location, by its enum name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Where(pub &'static str);

impl Where {
    pub const CONN_ORIG: Where = Where("Conn::IN_ORIG");
    pub const CONN_RESP: Where = Where("Conn::IN_RESP");
    pub const DNS_REQUEST: Where = Where("DNS::IN_REQUEST");
    pub const HTTP_HOST: Where = Where("HTTP::IN_HOST_HEADER");
    pub const HTTP_REFERRER: Where = Where("HTTP::IN_REFERRER_HEADER");
    pub const HTTP_USER_AGENT: Where = Where("HTTP::IN_USER_AGENT_HEADER");
    pub const HTTP_URL: Where = Where("HTTP::IN_URL");
    pub const SSL_SERVER_NAME: Where = Where("SSL::IN_SERVER_NAME");
    pub const X509_CERT: Where = Where("X509::IN_CERT");
    pub const FILES_HASH: Where = Where("Files::IN_HASH");
    pub const FILES_NAME: Where = Where("Files::IN_NAME");
    pub const SMTP_MAIL_FROM: Where = Where("SMTP::IN_MAIL_FROM");
    pub const SMTP_RCPT_TO: Where = Where("SMTP::IN_RCPT_TO");
    pub const SMTP_FROM: Where = Where("SMTP::IN_FROM");
    pub const SMTP_TO: Where = Where("SMTP::IN_TO");
    pub const SMTP_CC: Where = Where("SMTP::IN_CC");
    pub const SMTP_REPLY_TO: Where = Where("SMTP::IN_REPLY_TO");
    pub const SMTP_RECEIVED: Where = Where("SMTP::IN_RECEIVED_HEADER");
    pub const SMTP_X_ORIGINATING_IP: Where = Where("SMTP::IN_X_ORIGINATING_IP_HEADER");
    pub const SMTP_HEADER: Where = Where("SMTP::IN_HEADER");
    pub const SSH_HOST_KEY: Where = Where("SSH::IN_SERVER_HOST_KEY");
    pub const SMB_FILE_NAME: Where = Where("SMB::IN_FILE_NAME");

    /// Every location Zeek's where-locations script declares.
    const ALL: &'static [&'static str] = &[
        "Conn::IN_ORIG",
        "Conn::IN_RESP",
        "Files::IN_HASH",
        "Files::IN_NAME",
        "DNS::IN_REQUEST",
        "DNS::IN_RESPONSE",
        "HTTP::IN_HOST_HEADER",
        "HTTP::IN_REFERRER_HEADER",
        "HTTP::IN_USER_AGENT_HEADER",
        "HTTP::IN_X_FORWARDED_FOR_HEADER",
        "HTTP::IN_URL",
        "SMTP::IN_MAIL_FROM",
        "SMTP::IN_RCPT_TO",
        "SMTP::IN_FROM",
        "SMTP::IN_TO",
        "SMTP::IN_CC",
        "SMTP::IN_RECEIVED_HEADER",
        "SMTP::IN_REPLY_TO",
        "SMTP::IN_X_ORIGINATING_IP_HEADER",
        "SMTP::IN_MESSAGE",
        "SSH::IN_SERVER_HOST_KEY",
        "SSL::IN_SERVER_NAME",
        "SMTP::IN_HEADER",
        "X509::IN_CERT",
        "SMB::IN_FILE_NAME",
        "SSH::SUCCESSFUL_LOGIN",
    ];

    pub fn from_name(name: &str) -> Option<Where> {
        Where::ALL.iter().find(|w| **w == name).map(|w| Where(w))
    }
}

/// Which `seen` scripts are loaded: a set of bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts(u16);

impl Parts {
    pub const NONE: Parts = Parts(0);
    pub const CONN: Parts = Parts(1);
    pub const DNS: Parts = Parts(1 << 1);
    pub const FILE_HASHES: Parts = Parts(1 << 2);
    pub const FILE_NAMES: Parts = Parts(1 << 3);
    pub const HTTP_HEADERS: Parts = Parts(1 << 4);
    pub const HTTP_URL: Parts = Parts(1 << 5);
    pub const PUBKEY_HASHES: Parts = Parts(1 << 6);
    pub const SMTP: Parts = Parts(1 << 7);
    pub const SSL: Parts = Parts(1 << 8);
    pub const X509: Parts = Parts(1 << 9);
    pub const SMB_FILE_NAMES: Parts = Parts(1 << 10);
    pub const ALL: Parts = Parts((1 << 11) - 1);

    /// The script `frameworks/intel/seen/<name>`.
    pub fn of_script(name: &str) -> Option<Parts> {
        Some(match name {
            "conn-established" => Parts::CONN,
            "dns" => Parts::DNS,
            "file-hashes" => Parts::FILE_HASHES,
            "file-names" => Parts::FILE_NAMES,
            "http-headers" => Parts::HTTP_HEADERS,
            "http-url" => Parts::HTTP_URL,
            "pubkey-hashes" => Parts::PUBKEY_HASHES,
            "smtp" => Parts::SMTP,
            "ssl" => Parts::SSL,
            "x509" => Parts::X509,
            "smb-filenames" => Parts::SMB_FILE_NAMES,
            _ => return None,
        })
    }

    pub fn has(self, p: Parts) -> bool {
        self.0 & p.0 != 0
    }

    pub fn add(&mut self, p: Parts) {
        self.0 |= p.0;
    }
}
