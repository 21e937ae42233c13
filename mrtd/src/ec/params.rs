//! ECParameters in DER (RFC 3279 §2.3.5; X9.62 / SEC 1 §C.2), named or explicit, as certificates, DG14 and DG15
//! carry them. Real passports often spell their curve out (5 of 12 sampled document signers do: AT DE FI RU UK).
//!
//! ```text
//! ECParameters ::= CHOICE {
//!     namedCurve    OBJECT IDENTIFIER,
//!     implicitCurve NULL,
//!     specifiedCurve SpecifiedECDomain }
//! SpecifiedECDomain ::= SEQUENCE {
//!     version  INTEGER { ecdpVer1(1), ecdpVer2(2), ecdpVer3(3) },
//!     fieldID  FieldID {{FieldTypes}},          -- SEQUENCE { prime-field OID, prime-p INTEGER }
//!     curve    Curve,                           -- SEQUENCE { a OCTET STRING, b OCTET STRING, seed BIT STRING OPTIONAL }
//!     base     ECPoint,                         -- OCTET STRING, SEC 1 encoded G
//!     order    INTEGER,
//!     cofactor INTEGER OPTIONAL,
//!     hash     HashAlgorithm OPTIONAL,
//!     ... }
//! ```

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode as _, Encode as _, Sequence, Tag, Tagged as _};

use super::curve::{Curve, DomainParameters};
use crate::error::EcError;

/// prime-field (X9.62 §A.2.1).
const ID_PRIME_FIELD: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.1.1");
/// characteristic-two-field (X9.62 §A.2.1): binary curves, which no passport standard uses.
const ID_CHARACTERISTIC_TWO_FIELD: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.1.2");

#[derive(Sequence)]
struct FieldId<'a> {
    field_type: ObjectIdentifier,
    parameters: AnyRef<'a>,
}

#[derive(Sequence)]
struct CurveCoefficients<'a> {
    a: &'a OctetStringRef,
    b: &'a OctetStringRef,
    #[asn1(optional = "true")]
    seed: Option<BitStringRef<'a>>,
}

#[derive(Sequence)]
struct SpecifiedEcDomain<'a> {
    version: u8,
    field_id: FieldId<'a>,
    curve: CurveCoefficients<'a>,
    base: &'a OctetStringRef,
    order: UintRef<'a>,
    #[asn1(optional = "true")]
    cofactor: Option<UintRef<'a>>,
    #[asn1(optional = "true")]
    hash: Option<AnyRef<'a>>,
}

fn octets(bytes: &[u8]) -> Result<&OctetStringRef, EcError> {
    OctetStringRef::new(bytes).map_err(EcError::ParametersDer)
}

impl Curve {
    /// The curve of DER ECParameters: a named curve of the table, or explicit parameters (see
    /// [`Curve::from_domain_parameters`] for what an explicit curve must satisfy).
    ///
    /// # Errors
    /// [`EcError::ParametersDer`] when the DER is malformed; [`EcError::UnknownCurve`] for a named curve outside
    /// the table; [`EcError::UnsupportedParameters`] for implicitlyCA or a binary field; the errors of
    /// [`Curve::from_domain_parameters`].
    pub fn from_parameters_der(der_bytes: &[u8]) -> Result<Self, EcError> {
        let any = AnyRef::from_der(der_bytes).map_err(EcError::ParametersDer)?;
        Self::from_parameters_any(&any)
    }

    /// The curve of a SubjectPublicKeyInfo's algorithm parameters (`AlgorithmIdentifier.parameters`), which
    /// id-ecPublicKey requires.
    ///
    /// # Errors
    /// [`EcError::InvalidParameters`] when they are absent; then as [`Curve::from_parameters_der`].
    pub fn from_algorithm_parameters(params: Option<&AnyRef<'_>>) -> Result<Self, EcError> {
        Self::from_parameters_any(params.ok_or(EcError::InvalidParameters("absent"))?)
    }

    fn from_parameters_any(any: &AnyRef<'_>) -> Result<Self, EcError> {
        match any.tag() {
            Tag::ObjectIdentifier => {
                let oid: ObjectIdentifier = any.decode_as().map_err(EcError::ParametersDer)?;
                Self::from_oid(&oid)
            }
            Tag::Null => Err(EcError::UnsupportedParameters("implicitlyCA (parameters inherited from the issuer)")),
            Tag::Sequence => {
                let domain: SpecifiedEcDomain<'_> = any.decode_as().map_err(EcError::ParametersDer)?;
                Self::from_specified(&domain)
            }
            _ => Err(EcError::InvalidParameters("neither a named curve nor a SpecifiedECDomain")),
        }
    }

    fn from_specified(domain: &SpecifiedEcDomain<'_>) -> Result<Self, EcError> {
        if !(1..=3).contains(&domain.version) {
            return Err(EcError::InvalidParameters("SpecifiedECDomain version is not 1, 2 or 3"));
        }
        if domain.field_id.field_type == ID_CHARACTERISTIC_TWO_FIELD {
            return Err(EcError::UnsupportedParameters("binary field"));
        }
        if domain.field_id.field_type != ID_PRIME_FIELD {
            return Err(EcError::InvalidParameters("unknown field type"));
        }
        let p: UintRef<'_> = domain.field_id.parameters.decode_as().map_err(EcError::ParametersDer)?;
        Self::from_domain_parameters(&DomainParameters {
            p: p.as_bytes(),
            a: domain.curve.a.as_bytes(),
            b: domain.curve.b.as_bytes(),
            generator: domain.base.as_bytes(),
            order: domain.order.as_bytes(),
            cofactor: domain.cofactor.as_ref().map(UintRef::as_bytes),
        })
    }

    /// DER ECParameters for this curve: the named curve's identifier when the curve is a table entry and `explicit`
    /// is false, else a version-1 SpecifiedECDomain with an uncompressed base point and the cofactor.
    ///
    /// # Errors
    /// [`EcError::ParametersDer`] if the structure does not encode (a bug).
    pub fn to_parameters_der(&self, explicit: bool) -> Result<Vec<u8>, EcError> {
        if let (Some(named), false) = (self.named_curve(), explicit) {
            return named.oid().to_der().map_err(EcError::ParametersDer);
        }
        let (p, a, b, n) = (self.p(), self.a(), self.b(), self.order());
        let base = self.generator().to_uncompressed();
        let cofactor = self.cofactor().to_be_bytes();
        let p_der = UintRef::new(&p).map_err(EcError::ParametersDer)?.to_der().map_err(EcError::ParametersDer)?;
        let domain = SpecifiedEcDomain {
            version: 1,
            field_id: FieldId {
                field_type: ID_PRIME_FIELD,
                parameters: AnyRef::from_der(&p_der).map_err(EcError::ParametersDer)?,
            },
            curve: CurveCoefficients { a: octets(&a)?, b: octets(&b)?, seed: None },
            base: octets(&base)?,
            order: UintRef::new(&n).map_err(EcError::ParametersDer)?,
            cofactor: Some(UintRef::new(&cofactor).map_err(EcError::ParametersDer)?),
            hash: None,
        };
        domain.to_der().map_err(EcError::ParametersDer)
    }
}
