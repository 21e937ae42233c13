//! Passive Authentication (ICAO 9303-11 §5.1): EF.SOD's signature by the Document Signer, the DSC's chain to a
//! trusted CSCA (9303-12), its validity and revocation, and each data group's hash (9303-10 §4.6.2).
//!
//! ```text
//! let sod = Sod::parse(&ef_sod)?;
//! let mut builder = TrustStore::builder();
//! builder.add("DE_ML.ml", &master_list)?;
//! builder.add("DE_ROOT_CA_CSCA07.cer", &root)?;
//! let report = sod.verify(&[(1, &dg1), (2, &dg2)], &builder.build(), SystemTime::now());
//! ```
//!
//! Real documents are not all DER and not all alike; what is handled here, and where:
//! - BER: indefinite lengths and constructed OCTET STRINGs (New Zealand), read by [`ber`] and re-encoded as DER for
//!   the RustCrypto decoders; signatures are checked over the bytes as signed.
//! - Signatures ([`signature`]): RSASSA-PKCS1-v1_5 and RSASSA-PSS with any SHA-1/SHA-2 hash, a bare
//!   `rsaEncryption` as the SignerInfo's signature algorithm (New Zealand, United States: the hash is the
//!   digestAlgorithm), and ECDSA on named or explicit curves including brainpoolP512r1 (through [`crate::ec`]).
//! - The SignerInfo is matched to its certificate by issuer and serial number with names compared by meaning, by
//!   serial number alone when the issuer is written differently (Malaysia), or by subjectKeyIdentifier.
//! - Trust ([`trust`]): master lists verified against their signer's CSCA, certificate files, link certificates,
//!   CRLs.
//!
//! The verdict is [`Status::Invalid`] when anything shows the document is not genuine (a hash, the signature, an
//! expired or revoked DSC), [`Status::Untrusted`] when only the chain to a trusted CSCA is missing, and
//! [`Status::Valid`] otherwise. Certificates are checked at the SOD's signingTime when it has one, else at the time
//! the caller gives.

pub mod ber;
mod cert;
mod name;
pub mod oid;
mod report;
pub mod signature;
mod signed_data;
mod sod;
pub mod trust;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

pub use cert::CertInfo;
pub use der::DateTime;
pub use report::{DgCheck, PaReport, Reason, ReasonCode, Severity, SignerMatch, Status, TimeSource};
pub use signature::{HashAlgorithm, SignatureAlgorithm};
pub use sod::{LdsSecurityObject, Sod};
pub use trust::{Source, SourceKind, SourceStatus, TrustStore, TrustStoreBuilder};

use report::status_of;
use trust::IssuerSearch;

impl Sod {
    /// Passive Authentication of this SOD and the data groups given, each as its number and its bytes exactly as
    /// read (tag and length included), against `trust`; certificates are checked at the signingTime attribute when
    /// present, else at `at`.
    pub fn verify(&self, data_groups: &[(u8, &[u8])], trust: &TrustStore, at: SystemTime) -> PaReport {
        let mut reasons = Vec::new();
        let mut notes = Vec::new();
        let lds = &self.lds;

        let mut groups = BTreeMap::new();
        for (&number, expected) in &lds.data_group_hashes {
            // A data group given twice must match both times.
            let given: Vec<&[u8]> = data_groups.iter().filter(|(n, _)| *n == number).map(|(_, b)| *b).collect();
            let check = if given.is_empty() {
                DgCheck::NotProvided
            } else if given.iter().all(|bytes| lds.hash_algorithm.digest(bytes) == *expected) {
                DgCheck::Match
            } else {
                reasons.push(Reason::new(
                    ReasonCode::DgHashMismatch,
                    format!("the {} of DG{number} differs from the hash in the SOD", lds.hash_algorithm),
                ));
                DgCheck::Mismatch
            };
            groups.insert(number, check);
        }
        for &(number, _) in data_groups {
            if !lds.data_group_hashes.contains_key(&number) && !groups.contains_key(&number) {
                groups.insert(number, DgCheck::NotInSod);
                reasons.push(Reason::new(
                    ReasonCode::DgNotInSod,
                    format!("DG{number} was given but the SOD holds no hash for it"),
                ));
            }
        }

        let check = signed_data::check_signer(&self.signed, trust.certificates());
        reasons.extend(check.reasons.iter().cloned());
        let signer = check.signer;
        if let Some((_, SignerMatch::SerialOnly)) = signer {
            notes.push(
                "the SignerInfo names the DSC's issuer differently from the DSC; it was matched by serial number alone"
                    .into(),
            );
        }

        let caller_time = at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let (when, checked_at_source) = match check.signing_time {
            Some(t) => (t.to_unix_duration(), TimeSource::SigningTime),
            None => (caller_time, TimeSource::Caller),
        };
        let checked_at = date_time(when);

        let mut csca = None;
        if let Some((dsc, _)) = signer {
            let validity = dsc.cert.tbs_certificate().validity();
            if when < validity.not_before.to_unix_duration() {
                reasons.push(Reason::new(
                    ReasonCode::DscNotYetValid,
                    format!("the DSC was not yet valid on {}", iso_date(&checked_at)),
                ));
            } else if when > validity.not_after.to_unix_duration() {
                reasons.push(Reason::new(
                    ReasonCode::DscExpired,
                    format!("the DSC had expired on {}", iso_date(&checked_at)),
                ));
            }
            match trust.find_issuer(dsc) {
                IssuerSearch::Found(ca) => {
                    csca = Some(ca.info());
                    if !ca.valid_at(when) {
                        reasons.push(Reason::new(
                            ReasonCode::CscaNotValid,
                            format!("the CSCA was not valid on {}", iso_date(&checked_at)),
                        ));
                    }
                    if trust.is_revoked(dsc, ca, &mut notes) {
                        reasons.push(Reason::new(
                            ReasonCode::DscRevoked,
                            format!("the DSC (serial {}) is on its CSCA's CRL", cert::hex(&dsc.serial)),
                        ));
                    }
                }
                IssuerSearch::NotAnchored(ca) => reasons.push(Reason::new(
                    ReasonCode::CscaNotFound,
                    format!(
                        "the DSC's issuer {} is in the trust store but does not chain to a self-signed CSCA",
                        ca.cert.tbs_certificate().subject()
                    ),
                )),
                IssuerSearch::BadSignature(ca, why) => reasons.push(Reason::new(
                    ReasonCode::DscSignatureInvalid,
                    format!("the DSC does not verify under its CSCA {}: {why}", ca.cert.tbs_certificate().subject()),
                )),
                IssuerSearch::Unverifiable(ca, why) => reasons.push(Reason::new(
                    ReasonCode::UnsupportedAlgorithm,
                    format!("the DSC cannot be verified under the CSCA {}: {why}", ca.cert.tbs_certificate().subject()),
                )),
                IssuerSearch::NotFound => reasons.push(Reason::new(
                    ReasonCode::CscaNotFound,
                    format!("no trusted CSCA issued the DSC (issuer {})", dsc.cert.tbs_certificate().issuer()),
                )),
            }
        }

        PaReport {
            status: status_of(&reasons),
            reasons,
            notes,
            signature_algorithm: check.algorithm.map(|a| {
                let key = signer
                    .and_then(|(c, _)| signature::describe_key(c.cert.tbs_certificate().subject_public_key_info()));
                match key {
                    Some(key) => format!("{a} ({key})"),
                    None => a.to_string(),
                }
            }),
            hash_algorithm: lds.hash_algorithm,
            lds_security_object_version: lds.version,
            lds_version: lds.lds_version.clone(),
            signer_match: signer.map(|(_, m)| m),
            dsc: signer.map(|(c, _)| c.info()),
            csca,
            data_groups: groups,
            signing_time: check.signing_time.map(|t| t.to_date_time()),
            checked_at,
            checked_at_source,
        }
    }
}

/// A time since the Unix epoch as a calendar date and time, clamped to what `DateTime` holds (years 1970-9999).
fn date_time(since_epoch: Duration) -> DateTime {
    DateTime::from_unix_duration(since_epoch)
        .or_else(|_| DateTime::new(9999, 12, 31, 23, 59, 59))
        .unwrap_or(DateTime::INFINITY)
}

/// `YYYY-MM-DD`.
pub fn iso_date(t: &DateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

#[cfg(test)]
mod tests;
