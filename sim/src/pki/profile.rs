//! The certificate profiles of ICAO 9303-12 §7.1 (Tables 6 and 7) for the certificate builder: what a CSCA and a
//! Document Signer certificate carry besides their keys.

use der::Encode as _;
use der::Sequence;
use der::asn1::{OctetString, PrintableString, SetOfVec};
use der::oid::ObjectIdentifier;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, PrivateKeyUsagePeriod, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension as _};
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoRef;

/// id-icao-mrtd-security-extensions-documentTypeList, 2.23.136.1.1.6.2 (9303-12 §7.1.1.3).
pub(super) const ID_DOCUMENT_TYPE_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.6.2");

/// The document types the test DSCs may sign: every passport (`P`), identity card (`I`, `A`, `C`) the profiles make.
pub(super) const DOCUMENT_TYPES: [&str; 4] = ["P", "I", "A", "C"];

/// DocumentTypeListSyntax ::= SEQUENCE { version DocumentTypeListVersion, docTypeList SET OF DocumentType }
/// (9303-12 §7.1.1.3); DocumentType ::= PrintableString(SIZE(1..2)).
#[derive(Clone, Debug, Sequence)]
pub(super) struct DocumentTypeList {
    pub(super) version: u8,
    pub(super) doc_type_list: SetOfVec<PrintableString>,
}

/// Which of the two kinds of certificate a profile makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    Csca,
    DocumentSigner,
}

/// The 9303-12 certificate profile for the builder: subject, issuer and the extensions of Table 6.
pub(super) struct IcaoProfile {
    pub(super) role: Role,
    pub(super) subject: Name,
    pub(super) issuer: Name,
    pub(super) key_usage_period: PrivateKeyUsagePeriod,
}

impl BuilderProfile for IcaoProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki_source = SubjectKeyIdentifier::try_from(issuer_spk)?;
        let aki = AuthorityKeyIdentifier { key_identifier: Some(aki_source.0), ..Default::default() };
        extensions.push(aki.to_extension(tbs.subject(), &extensions)?);
        extensions.push(ski.to_extension(tbs.subject(), &extensions)?);
        let usages = match self.role {
            Role::Csca => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Role::DocumentSigner => KeyUsages::DigitalSignature.into(),
        };
        extensions.push(KeyUsage(usages).to_extension(tbs.subject(), &extensions)?);
        extensions.push(self.key_usage_period.to_extension(tbs.subject(), &extensions)?);
        match self.role {
            Role::Csca => {
                // pathLenConstraint 0: the CSCA issues Document Signers and link certificates, never another CA
                // below it (9303-12 Table 6).
                let bc = BasicConstraints { ca: true, path_len_constraint: Some(0) };
                let mut ext = bc.to_extension(tbs.subject(), &extensions)?;
                ext.critical = true;
                extensions.push(ext);
            }
            Role::DocumentSigner => {
                let mut list = SetOfVec::new();
                for t in DOCUMENT_TYPES {
                    list.insert(PrintableString::new(t)?)?;
                }
                let value = DocumentTypeList { version: 0, doc_type_list: list }.to_der()?;
                extensions.push(Extension {
                    extn_id: ID_DOCUMENT_TYPE_LIST,
                    critical: false,
                    extn_value: OctetString::new(value)?,
                });
            }
        }
        Ok(extensions)
    }
}
