//! OpenSSL's verification results: `X509_V_ERR_*` codes and the strings
//! `X509_verify_cert_error_string` gives for them (OpenSSL 1.1 wording,
//! which is what Zeek writes into ssl.log's `validation_status`).

/// The outcome of verifying one chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Ok,
    UnableToGetIssuerCert,
    UnableToDecodeIssuerPublicKey,
    CertSignatureFailure,
    CertNotYetValid,
    CertHasExpired,
    ErrorInCertNotBeforeField,
    ErrorInCertNotAfterField,
    DepthZeroSelfSignedCert,
    SelfSignedCertInChain,
    UnableToGetIssuerCertLocally,
    UnableToVerifyLeafSignature,
    CertChainTooLong,
    InvalidCa,
    PathLengthExceeded,
    UnhandledCriticalExtension,
    ProxyCertificatesNotAllowed,
}

impl Status {
    /// OpenSSL's numeric code (`X509::Result$result`).
    pub fn code(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::UnableToGetIssuerCert => 2,
            Status::UnableToDecodeIssuerPublicKey => 6,
            Status::CertSignatureFailure => 7,
            Status::CertNotYetValid => 9,
            Status::CertHasExpired => 10,
            Status::ErrorInCertNotBeforeField => 13,
            Status::ErrorInCertNotAfterField => 14,
            Status::DepthZeroSelfSignedCert => 18,
            Status::SelfSignedCertInChain => 19,
            Status::UnableToGetIssuerCertLocally => 20,
            Status::UnableToVerifyLeafSignature => 21,
            Status::CertChainTooLong => 22,
            Status::InvalidCa => 24,
            Status::PathLengthExceeded => 25,
            Status::UnhandledCriticalExtension => 34,
            Status::ProxyCertificatesNotAllowed => 40,
        }
    }

    /// The text Zeek logs.
    pub fn message(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::UnableToGetIssuerCert => "unable to get issuer certificate",
            Status::UnableToDecodeIssuerPublicKey => "unable to decode issuer public key",
            Status::CertSignatureFailure => "certificate signature failure",
            Status::CertNotYetValid => "certificate is not yet valid",
            Status::CertHasExpired => "certificate has expired",
            Status::ErrorInCertNotBeforeField => "format error in certificate's notBefore field",
            Status::ErrorInCertNotAfterField => "format error in certificate's notAfter field",
            Status::DepthZeroSelfSignedCert => "self signed certificate",
            Status::SelfSignedCertInChain => "self signed certificate in certificate chain",
            Status::UnableToGetIssuerCertLocally => "unable to get local issuer certificate",
            Status::UnableToVerifyLeafSignature => "unable to verify the first certificate",
            Status::CertChainTooLong => "certificate chain too long",
            Status::InvalidCa => "invalid CA certificate",
            Status::PathLengthExceeded => "path length constraint exceeded",
            Status::UnhandledCriticalExtension => "unhandled critical extension",
            Status::ProxyCertificatesNotAllowed => {
                "proxy certificates not allowed, please set the appropriate flag"
            }
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}
