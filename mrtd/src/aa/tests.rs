//! Active Authentication against ICAO 9303-11 Appendix F, a real passport's challenge/signature pairs, the specimen
//! documents' DG15, the simulator's P-256 keys (made here with `p256`, as sim/src/passport/security.rs makes them),
//! and RSA keys made with OpenSSL.

use std::path::PathBuf;

use der::Encode as _;
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::EncodePublicKey as _;

use super::*;
use crate::ec::{NamedCurve, PrivateKey};

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap()
}

fn shared(relative: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao").join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("skipped: {} absent", path.display());
            None
        }
    }
}

fn vectors() -> Option<serde_json::Value> {
    shared("vectors/active_authentication_vectors.json").map(|bytes| serde_json::from_slice(&bytes).unwrap())
}

/// `openssl genrsa 1024` (OpenSSL 3.0.19), e = 65537.
const RSA1024_N: &str = "AF85B37BE25CB7478EEC8640C512C609C6BE175F668E9E2F332CD36380367FA6BD1CCA00D381F467CE7D0035A77E33F3\
        DDAE30B2289E70CC7CB11DE19520AC88297F98F76355F757106C1E7CCB605F0D3A7F70D3ACB802019C5E274AE2AB22DB\
        751851963EDCFA48716F2690106303F61916D50F609906934B509468791B2A03";
const RSA1024_D: &str = "621E7FC3553B3749CD5FF37CE9AE20FEFE16EDC1EAF6F6FEB3C0EF3AC445B2FE66E15D1B3121889B2F1739B2C4BB0C17\
        DB68B0D82754CB01C502CE0D78EC1705EA04D79BCAE519E10FD0619B5910753FFA63BAE564D4408B7035E9F7BDC5DBC5\
        57FC8E39BA6CFBD3B663FC2309DE9368838E264453E7B0ED7C25E43473606B81";
/// `openssl genrsa 3072` (OpenSSL 3.0.19), e = 65537: a signature longer than a short response.
const RSA3072_N: &str = "9A924BED73615087801348CFB76885D430B2514A57B663A957787E6F8FF5827C6AB915556572B2AF65CEC068BB4FC9ED\
        1357AA5BA477844A47D03F382F2882F6A0B10579EA432C9994FE1F085F4469BB022559EDE7F70CD3207C78079A0A1667\
        353DA14C1A8A4CEBD0B8FCF0DC53E752C8A69C2532C060EA456621D8E51BFB66BA2D53393A21D74D9C75332C970AC27D\
        B5905B30FAAF75640D7045D8D1B0B5C33F82CA13B276583A7BC1236B94D7857ABDA6E61C4D0E6A1BC13EC4E7FCBE5123\
        6224DDCA21F259C51F5E5491832722FABAC1B798B38DCAD6225AA174F24FCB14999DDAFC872F0A3AB8824774A2F2B9C9\
        76F530D9C8B0B67F20FC4A23599CF38CCF212A71A67E21F8CA5F75A97586F1D4B2DC9C7B0780955C72D380F8665341BD\
        67596A6E41B70EA7638CDF16D1156C2EB557AD2F4B7484778C702F2E9C1671A963C74F418D5FC5AB9CC88732445AAAA0\
        A7737083ADD19A289CD81BE95F19BCBCEC1908BCA05C5EA14D53DA9E1F6D16A6F253763AC2C7D5A97F0F59A46BBD6987";
const RSA3072_D: &str = "0C3666DD59F26464705015BEA3A5147DD163255D14550AC6C46C76C0E5C4E60C627A411F4026B1CB7DE5B9FA0C629F77A\
        5C1956A2C326D37593930E5858453E49C899FFF23ED2EC6EBA8B056FEFFEEC2A1C6C5B6304FAAA9BBB559DE6FE34025E\
        364FD2B8025513288893522EAA58E6F51FF27F3207166B6DBC8D7FFC50A52F0A8E10FE4439D8CDF4AEF4F9DC4494B589\
        751D282AA2BD6C092F73DED8593CAA8A489F6E15B86522E3CBCE3C98A37050ACF95323526396F54C60DE98CD2C14EB3B\
        77E542ABCDE0BDCF1769F7B8DA8ACDFB98D59EBAA3B0A30E440180FF41E2645BFBA6A110360CE34443129F7B5F1B5575\
        7F405EDB8873E97FC0512F3B2E015291C55AFD58A2B7AC9F3C7E4D34D7B2488044B56F11E0CE2E6948CA05696313E878\
        65FAAFE180F74C3820D6B48840007B94CE56358275E3ED35165F302916D1F1D0B31160F7840D1BE079875593C5DB5E18\
        964EE620AE80E5ECD166D57B8880A5FAB6E82478848FF37EB9CBAAFBF9DA0EDA07BACB19C15C33E27E3EDD851DEEC81";
const E: [u8; 3] = [0x01, 0x00, 0x01];

fn rsa_key(n: &str, d: &str, hash: RsaHash) -> AaPrivateKey {
    AaPrivateKey::Rsa(RsaPrivateKey::from_components(&unhex(n), &E, &unhex(d)).unwrap(), hash)
}

/// ICAO 9303-11 Appendix F: the message representative recovered from the chip's signature is `6A || M1 || H ||
/// BC`, with `H = SHA-1(M1 || M2)` and `M2` the terminal's RND.IFD.
#[test]
fn appendix_f_representative_checks() {
    let Some(json) = vectors() else { return };
    let v = &json["appF"];
    let h = |key: &str| unhex(v[key].as_str().unwrap());
    let f = h("F_recovered_message_representative");
    let (m1, m2, digest) = (h("M1"), h("M2_RND_IFD"), h("H_sha1_M1_M2"));
    let mut expected = vec![0x6A];
    expected.extend(&m1);
    expected.extend(&digest);
    expected.push(0xBC);
    // The JSON prints F without its last bytes; it must be a prefix of what we lay out.
    assert!(expected.starts_with(&f[..f.len().min(expected.len())]));
    check_representative(&expected, &m2).unwrap();
    let mut other = m2.clone();
    other[0] ^= 1;
    assert!(matches!(check_representative(&expected, &other), Err(Error::ActiveAuthentication(AaError::BadSignature))));
    let mut wrong_header = expected.clone();
    wrong_header[0] = 0x4A;
    assert!(check_representative(&wrong_header, &m2).is_err());
    let mut wrong_trailer = expected.clone();
    *wrong_trailer.last_mut().unwrap() = 0xBD;
    assert!(check_representative(&wrong_trailer, &m2).is_err());
}

/// Four challenge/signature pairs of a real passport with a 1024-bit RSA key (the shared vectors).
#[test]
fn real_passport_rsa_pairs_verify_and_tampering_fails() {
    let Some(json) = vectors() else { return };
    let v = &json["real_passport_rsa1024"];
    let key = AaPublicKey::from_dg15(&unhex(v["DG15"].as_str().unwrap())).unwrap();
    let AaPublicKey::Rsa(rsa) = &key else { panic!("not RSA: {key:?}") };
    assert_eq!(rsa.bits(), 1024);
    assert_eq!(key.signature_len(), 128);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 4);
    for pair in pairs {
        let challenge = unhex(pair["challenge"].as_str().unwrap());
        let signature = unhex(pair["signature"].as_str().unwrap());
        verify(&key, None, &challenge, &signature).unwrap();
        // M1 is what the signature recovers.
        let s = BoxedUint::from_be_slice(&signature, 1024).unwrap();
        let f = rsa.public_op(&s).to_be_bytes();
        assert_eq!(&f[1..1 + 106], unhex(pair["M1"].as_str().unwrap()).as_slice());
        let mut tampered = signature.clone();
        tampered[50] ^= 0x01;
        assert!(matches!(
            verify(&key, None, &challenge, &tampered),
            Err(Error::ActiveAuthentication(AaError::BadSignature))
        ));
        let mut other = challenge.clone();
        other[7] ^= 0x80;
        assert!(verify(&key, None, &other, &signature).is_err());
        assert!(matches!(
            verify(&key, None, &challenge, &signature[1..]),
            Err(Error::ActiveAuthentication(AaError::MalformedSignature(_)))
        ));
        assert!(verify(&key, None, &challenge, &[0xFF; 128]).is_err());
    }
    // The key round-trips through DG15.
    assert_eq!(AaPublicKey::from_dg15(&key.to_dg15(false).unwrap()).unwrap(), key);
}

/// The specimen documents' DG15: BSI 2008 (ERIKA MUSTERMANN), the Dutch 2006 specimen and the ETSI TR 103 200 set.
#[test]
fn specimen_dg15_files_parse() {
    for file in [
        "data/jmrtd/lds/bsi2008/Datagroup15.bin",
        "data/jmrtd/lds/loes2006/ef010F.bin",
        "data/pymrtd_etsi_tr103200/DG15.bin",
    ] {
        let Some(bytes) = shared(file) else { continue };
        let key = AaPublicKey::from_dg15(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        eprintln!("{file}: {key:?}");
        assert!(key.signature_len() >= 128, "{file}");
    }
}

#[test]
fn rsa_chip_and_terminal_agree() {
    for (n, d) in [(RSA1024_N, RSA1024_D), (RSA3072_N, RSA3072_D)] {
        for hash in [RsaHash::Sha1, RsaHash::Sha224, RsaHash::Sha256, RsaHash::Sha384, RsaHash::Sha512] {
            let key = rsa_key(n, d, hash);
            let public = key.public_key();
            let challenge = new_challenge().unwrap();
            let signature = sign(&key, &challenge).unwrap();
            assert_eq!(signature.len(), public.signature_len());
            verify(&public, None, &challenge, &signature).unwrap();
            let mut other = challenge;
            other[0] ^= 1;
            assert!(verify(&public, None, &other, &signature).is_err(), "{hash:?}");
        }
    }
    let key = rsa_key(RSA1024_N, RSA1024_D, RsaHash::Sha1);
    assert!(matches!(sign(&key, &[0; 7]), Err(Error::ActiveAuthentication(AaError::ChallengeLength(7)))));
}

#[test]
fn internal_authenticate_asks_for_the_whole_signature() {
    let challenge = [0x47, 0xE4, 0xEE, 0x7F, 0x21, 0x1F, 0x73, 0x26];
    let small = rsa_key(RSA1024_N, RSA1024_D, RsaHash::Sha1).public_key();
    let mut expected = vec![0x00, 0x88, 0x00, 0x00, 0x08];
    expected.extend(challenge);
    expected.push(0x00);
    assert_eq!(internal_authenticate(&challenge, &small).to_bytes().unwrap(), expected);
    // 384 bytes of signature: extended length, Le 0000.
    let big = rsa_key(RSA3072_N, RSA3072_D, RsaHash::Sha1).public_key();
    let mut expected = vec![0x00, 0x88, 0x00, 0x00, 0x00, 0x00, 0x08];
    expected.extend(challenge);
    expected.extend([0x00, 0x00]);
    assert_eq!(internal_authenticate(&challenge, &big).to_bytes().unwrap(), expected);
}

/// The simulator's DG15 and DG14: a P-256 key as `SubjectPublicKeyInfoOwned::from_key` encodes it, wrapped in `6F`,
/// and ActiveAuthenticationInfo naming ecdsa-plain-SHA256; the chip's signature made with `p256`.
#[test]
fn simulator_p256_key_verifies() {
    let secret = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let spki = secret.verifying_key().to_public_key_der().unwrap();
    let dg15 = crate::tlv::to_vec(Tag(0x6F), spki.as_bytes());
    let key = AaPublicKey::from_dg15(&dg15).unwrap();
    assert!(matches!(&key, AaPublicKey::Ec(k) if k.curve().named_curve() == Some(NamedCurve::P256)));
    assert_eq!(key.signature_len(), 64);

    let info = ActiveAuthenticationInfo {
        protocol: ID_AA,
        version: 1,
        signature_algorithm: SignatureAlgorithm::EcdsaSha256.oid(),
    };
    let other = SecurityInfo {
        protocol: ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3.2.2"),
        required_data: AnyRef::new(der::Tag::Integer, &[1]).unwrap(),
        optional_data: None,
    }
    .to_der()
    .unwrap();
    let mut set = other;
    set.extend(info.to_der().unwrap());
    let dg14 = crate::tlv::to_vec(Tag(0x6E), &crate::tlv::to_vec(Tag(0x31), &set));
    let oid = signature_algorithm_in_dg14(&dg14).unwrap().unwrap();
    assert_eq!(oid, ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3"));

    let challenge = [0x5D, 0xD1, 0x76, 0x58, 0xF6, 0xE2, 0x1C, 0x13];
    // Signer::sign hashes with SHA-256: the plain signature over SHA-256(RND.IFD).
    let signature: p256::ecdsa::Signature = secret.sign(&challenge);
    verify(&key, Some(&oid), &challenge, &signature.to_bytes()).unwrap();
    // The DER form some chips send is accepted too.
    verify(&key, Some(&oid), &challenge, signature.to_der().as_bytes()).unwrap();
    let mut tampered = signature.to_bytes().to_vec();
    tampered[63] ^= 1;
    assert!(matches!(
        verify(&key, Some(&oid), &challenge, &tampered),
        Err(Error::ActiveAuthentication(AaError::BadSignature))
    ));
    // Another hash does not verify; no algorithm or an unknown one is an error.
    let sha1 = SignatureAlgorithm::EcdsaSha1.oid();
    assert!(verify(&key, Some(&sha1), &challenge, &signature.to_bytes()).is_err());
    assert!(matches!(
        verify(&key, None, &challenge, &signature.to_bytes()),
        Err(Error::ActiveAuthentication(AaError::MissingSignatureAlgorithm))
    ));
    let ripemd = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.6");
    assert!(matches!(
        verify(&key, Some(&ripemd), &challenge, &signature.to_bytes()),
        Err(Error::ActiveAuthentication(AaError::UnsupportedSignatureAlgorithm(_)))
    ));
    assert!(matches!(
        verify(&key, Some(&oid), &challenge, &[0x30; 5]),
        Err(Error::ActiveAuthentication(AaError::MalformedSignature(_)))
    ));
}

#[test]
fn ec_chip_and_terminal_agree_with_explicit_parameters() {
    for named in [NamedCurve::P256, NamedCurve::BrainpoolP512r1, NamedCurve::P224] {
        for algorithm in
            [SignatureAlgorithm::EcdsaSha1, SignatureAlgorithm::EcdsaSha256, SignatureAlgorithm::EcdsaSha512]
        {
            let key = AaPrivateKey::Ec(PrivateKey::generate(&named.curve()).unwrap(), algorithm);
            let public = key.public_key();
            let dg15 = public.to_dg15(true).unwrap();
            let parsed = AaPublicKey::from_dg15(&dg15).unwrap();
            assert_eq!(parsed, public);
            let challenge = new_challenge().unwrap();
            let signature = sign(&key, &challenge).unwrap();
            assert_eq!(signature.len(), parsed.signature_len());
            verify(&parsed, Some(&algorithm.oid()), &challenge, &signature).unwrap();
            // The X9.62 identifier of the same hash names the same algorithm.
            assert_eq!(SignatureAlgorithm::from_oid(&algorithm.oid()), Some(algorithm));
        }
    }
    let x962 = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    assert_eq!(SignatureAlgorithm::from_oid(&x962), Some(SignatureAlgorithm::EcdsaSha256));
}

#[test]
fn dg15_and_dg14_errors_say_what_is_wrong() {
    assert!(matches!(AaPublicKey::from_dg15(&[0x6E, 0x00]), Err(Error::Lds(LdsError::WrongFileTag { .. }))));
    assert!(matches!(AaPublicKey::from_dg15(&[0x6F, 0x02, 0x30, 0x00]), Err(Error::Lds(LdsError::Invalid { .. }))));
    assert!(AaPublicKey::from_dg15(&[0x6F, 0x05, 0x30]).is_err());
    // A DSA key (id-dsa 1.2.840.10040.4.1).
    let dsa = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: ObjectIdentifier::new_unwrap("1.2.840.10040.4.1"),
            parameters: None,
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(&[2, 1, 5]).unwrap(),
    }
    .to_der()
    .unwrap();
    assert!(matches!(
        AaPublicKey::from_spki_der(&dsa),
        Err(Error::ActiveAuthentication(AaError::UnsupportedKeyAlgorithm(_)))
    ));
    // An EC key off the curve.
    let mut point = PrivateKey::generate(&NamedCurve::P256.curve()).unwrap().public_key().to_uncompressed();
    *point.last_mut().unwrap() ^= 1;
    let bad = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: crate::ec::ID_EC_PUBLIC_KEY,
            parameters: Some(AnyRef::from(&NamedCurve::P256.oid())),
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(&point).unwrap(),
    }
    .to_der()
    .unwrap();
    assert!(matches!(AaPublicKey::from_spki_der(&bad), Err(Error::ActiveAuthentication(AaError::InvalidEcKey(_)))));
    // RSA keys that cannot be used.
    assert!(RsaPublicKey::from_components(&[0xFF; 64], &E).is_err());
    assert!(RsaPublicKey::from_components(&[0xFF; 128], &[2]).is_err());
    let mut even = unhex(RSA1024_N);
    *even.last_mut().unwrap() &= 0xFE;
    assert!(RsaPublicKey::from_components(&even, &E).is_err());
    // DG14 without ActiveAuthenticationInfo, and a malformed one.
    let empty = crate::tlv::to_vec(Tag(0x6E), &[0x31, 0x00]);
    assert_eq!(signature_algorithm_in_dg14(&empty).unwrap(), None);
    assert!(signature_algorithm_in_dg14(&[0x6E, 0x02, 0x31, 0x01]).is_err());
}

/// The specimen DG14 files name no ECDSA algorithm (their AA keys are RSA) or name one we know.
#[test]
fn specimen_dg14_files_parse() {
    for file in ["data/jmrtd/lds/bsi2008/Datagroup14.bin", "data/pymrtd_etsi_tr103200/DG14.bin"] {
        let Some(bytes) = shared(file) else { continue };
        let algorithm = signature_algorithm_in_dg14(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        eprintln!("{file}: {algorithm:?}");
        if let Some(oid) = algorithm {
            assert!(SignatureAlgorithm::from_oid(&oid).is_some(), "{file}: {oid}");
        }
    }
}
