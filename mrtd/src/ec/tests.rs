//! Tests of the curve arithmetic against the standards' constants, the RustCrypto curve crates (P-256, P-384, P-521,
//! brainpoolP256r1, brainpoolP384r1), OpenSSL-made vectors for the curves no crate implements, and the PACE Generic
//! Mapping worked example of ICAO 9303-11 Appendix G.1.

use std::path::PathBuf;

use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::*;
use crate::error::EcError;

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap()
}

/// `n - 1`, big-endian.
fn order_minus(curve: &Curve, k: u8) -> Vec<u8> {
    let mut n = curve.order();
    let mut borrow = k;
    for byte in n.iter_mut().rev() {
        let (v, o) = byte.overflowing_sub(borrow);
        *byte = v;
        borrow = u8::from(o);
        if borrow == 0 {
            break;
        }
    }
    n
}

#[test]
fn every_table_curve_has_its_base_point_on_it_and_order_n() {
    for named in NamedCurve::ALL {
        let curve = named.curve();
        let g = curve.generator();
        // G decoded from the table passed the on-curve check; n G = O and (n-1) G = -G.
        let n_g = g.mul_public(&curve.order()).unwrap();
        assert!(n_g.is_identity(), "{named}: n G is not the point at infinity");
        let n_minus_1 = PrivateKey::from_bytes(&curve, &order_minus(&curve, 1)).unwrap();
        assert_eq!(n_minus_1.public_key().point(), &g.neg(), "{named}");
        assert_eq!(g.add(&g.neg()).unwrap(), curve.identity(), "{named}");
        let two = g.add(&g).unwrap();
        assert_eq!(two, g.mul_public(&[2]).unwrap(), "{named}: G + G differs from 2 G");
        assert_eq!(curve.field_size(), curve.p().len());
        assert_eq!(curve.cofactor(), 1);
        assert_eq!(curve.named_curve(), Some(named));
        let bits: u32 = named.name().chars().filter(char::is_ascii_digit).collect::<String>()[..3].parse().unwrap();
        assert_eq!(curve.order_bits(), bits, "{named}");
    }
}

#[test]
fn parameter_ids_and_oids_name_the_table() {
    // ICAO 9303-11 §9.5.1, table 31.
    let ids = [
        (8, NamedCurve::P192),
        (9, NamedCurve::BrainpoolP192r1),
        (10, NamedCurve::P224),
        (11, NamedCurve::BrainpoolP224r1),
        (12, NamedCurve::P256),
        (13, NamedCurve::BrainpoolP256r1),
        (14, NamedCurve::BrainpoolP320r1),
        (15, NamedCurve::P384),
        (16, NamedCurve::BrainpoolP384r1),
        (17, NamedCurve::BrainpoolP512r1),
        (18, NamedCurve::P521),
    ];
    for (id, named) in ids {
        assert_eq!(NamedCurve::from_parameter_id(id), Some(named));
        assert_eq!(Curve::from_parameter_id(id).unwrap().named_curve(), Some(named));
        assert_eq!(NamedCurve::from_oid(&named.oid()), Some(named));
    }
    for id in (0..8).chain(19..=255) {
        assert_eq!(Curve::from_parameter_id(id).unwrap_err(), EcError::UnknownParameterId(id));
    }
    let secp256k1 = der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.10");
    assert_eq!(Curve::from_oid(&secp256k1).unwrap_err(), EcError::UnknownCurve(secp256k1));
}

#[test]
fn explicit_parameters_of_every_table_curve_are_recognised() {
    for named in NamedCurve::ALL {
        let curve = named.curve();
        let explicit = curve.to_parameters_der(true).unwrap();
        let back = Curve::from_parameters_der(&explicit).unwrap();
        assert_eq!(back.named_curve(), Some(named));
        assert_eq!(back, curve);
        let by_name = curve.to_parameters_der(false).unwrap();
        assert_eq!(Curve::from_parameters_der(&by_name).unwrap().named_curve(), Some(named));
    }
}

#[test]
fn explicit_parameters_written_by_openssl_are_recognised() {
    // `openssl ecparam -name brainpoolP256r1 -param_enc explicit -conv_form compressed -outform DER` (OpenSSL
    // 3.0.19): version 1, no seed, compressed base point.
    let bp256 = "3081c0020101302c06072a8648ce3d0101022100a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e537730\
        4404207d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9042026dc5c6ce94a4b44f330b5d9bbd77cbf958416295c\
        f7e1ce6bccdc18ff8c07b60421038bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262022100a9fb57dba1eea9bc3e\
        660a909d838d718c397aa3b561a6f7901e0e82974856a7020101";
    assert_eq!(Curve::from_parameters_der(&unhex(bp256)).unwrap().named_curve(), Some(NamedCurve::BrainpoolP256r1));
    // The same for secp224r1, which carries the seed and whose compressed base point needs Tonelli-Shanks
    // (p = 1 mod 4).
    let p224 = "3081c3020101302806072a8648ce3d0101021d00ffffffffffffffffffffffffffffffff000000000000000000000001305304\
        1cfffffffffffffffffffffffffffffffefffffffffffffffffffffffe041cb4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ff\
        b4031500bd71344799d5c7fcdc45b59fa3b9ab8f6a948bc5041d02b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21021d00\
        ffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d020101";
    assert_eq!(Curve::from_parameters_der(&unhex(p224)).unwrap().named_curve(), Some(NamedCurve::P224));
}

type Params = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

fn params_of(curve: &Curve) -> Params {
    (curve.p(), curve.a(), curve.b(), curve.generator().to_uncompressed(), curve.order())
}

#[test]
fn explicit_curves_outside_the_table_are_validated() {
    // secp256k1 (SEC 2 §2.4.1): sound, a = 0, not in the table: used generically.
    let p = unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
    let g = unhex(
        "0479BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8",
    );
    let n = unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    let k1 = DomainParameters { p: &p, a: &[0], b: &[7], generator: &g, order: &n, cofactor: Some(&[1]) };
    let curve = Curve::from_domain_parameters(&k1).unwrap();
    assert_eq!(curve.named_curve(), None);
    let key = PrivateKey::from_bytes(&curve, &[0x42; 32]).unwrap();
    let hash = Sha256::digest(b"secp256k1");
    let signature = key.sign_prehash(&hash).unwrap();
    key.public_key().verify_prehash(&hash, &signature).unwrap();
    // Its explicit encoding decodes to the same curve.
    let der = curve.to_parameters_der(false).unwrap();
    assert_eq!(Curve::from_parameters_der(&der).unwrap(), curve);

    // A wrong b puts G off the curve.
    let bad_b = DomainParameters { b: &[8], ..k1 };
    assert_eq!(Curve::from_domain_parameters(&bad_b).unwrap_err(), EcError::InvalidPoint("is not on the curve"));
    // An order that is not G's.
    let mut wrong_n = n.clone();
    *wrong_n.last_mut().unwrap() = 0x43;
    let bad_n = DomainParameters { order: &wrong_n, ..k1 };
    assert!(matches!(Curve::from_domain_parameters(&bad_n).unwrap_err(), EcError::InvalidParameters(_)));
    // An even cofactor, a composite p, a tiny field.
    let even = DomainParameters { cofactor: Some(&[2]), ..k1 };
    assert!(matches!(Curve::from_domain_parameters(&even).unwrap_err(), EcError::UnsupportedParameters(_)));
    let mut composite = p.clone();
    *composite.last_mut().unwrap() = 0x2D;
    let bad_p = DomainParameters { p: &composite, ..k1 };
    assert!(Curve::from_domain_parameters(&bad_p).is_err());
    let tiny =
        DomainParameters { p: &[0xFB], a: &[1], b: &[1], generator: &[0x04, 0, 1], order: &[0xF1], cofactor: None };
    assert!(Curve::from_domain_parameters(&tiny).is_err());

    // The table's group with another base point (2 G): a different curve of the same group.
    let bp = NamedCurve::BrainpoolP256r1.curve();
    let two_g = bp.generator().mul_public(&[2]).unwrap().to_uncompressed();
    let (p, a, b, _, n) = params_of(&bp);
    let other = DomainParameters { p: &p, a: &a, b: &b, generator: &two_g, order: &n, cofactor: None };
    let other = Curve::from_domain_parameters(&other).unwrap();
    assert_eq!(other.named_curve(), None);
    assert!(other.same_group(&bp));
    assert_ne!(other, bp);
}

#[test]
fn malformed_parameters_are_refused() {
    assert!(matches!(Curve::from_parameters_der(&[0x30, 0x03, 0x02]).unwrap_err(), EcError::ParametersDer(_)));
    assert!(matches!(Curve::from_parameters_der(&[0x05, 0x00]).unwrap_err(), EcError::UnsupportedParameters(_)));
    assert!(matches!(Curve::from_parameters_der(&[0x02, 0x01, 0x01]).unwrap_err(), EcError::InvalidParameters(_)));
    assert!(matches!(Curve::from_algorithm_parameters(None).unwrap_err(), EcError::InvalidParameters(_)));
    // A binary field (characteristic-two-field).
    let mut der = NamedCurve::P192.curve().to_parameters_der(true).unwrap();
    let at = der.windows(9).position(|w| w == [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x01, 0x01]).unwrap();
    der[at + 8] = 0x02;
    assert_eq!(Curve::from_parameters_der(&der).unwrap_err(), EcError::UnsupportedParameters("binary field"));
}

#[test]
fn points_encode_and_decode_on_every_curve() {
    for named in NamedCurve::ALL {
        let curve = named.curve();
        for _ in 0..3 {
            let point = PrivateKey::generate(&curve).unwrap().public_key().point().clone();
            let compressed = point.to_sec1(true);
            let uncompressed = point.to_sec1(false);
            assert_eq!(compressed.len(), 1 + curve.field_size());
            assert_eq!(uncompressed.len(), 1 + 2 * curve.field_size());
            assert_eq!(curve.point_from_sec1(&compressed).unwrap(), point, "{named}");
            assert_eq!(curve.point_from_sec1(&uncompressed).unwrap(), point, "{named}");
            let (x, y) = (point.x().unwrap(), point.y().unwrap());
            assert_eq!(curve.point_from_affine(&x, &y).unwrap(), point);
        }
        let len = curve.field_size();
        assert_eq!(curve.point_from_sec1(&[0x00]).unwrap_err(), EcError::InvalidPoint("is the point at infinity"));
        assert!(curve.point_from_sec1(&[]).is_err());
        assert!(curve.point_from_sec1(&[0x04; 3]).is_err());
        let mut off = curve.generator().to_uncompressed();
        *off.last_mut().unwrap() ^= 1;
        assert_eq!(curve.point_from_sec1(&off).unwrap_err(), EcError::InvalidPoint("is not on the curve"));
        // x = p is a second spelling of x = 0.
        let mut big = vec![0x04];
        big.extend(curve.p());
        big.extend(vec![0; len]);
        assert_eq!(curve.point_from_sec1(&big).unwrap_err(), EcError::InvalidPoint("x coordinate not below p"));
        let mut hybrid = curve.generator().to_uncompressed();
        hybrid[0] = 0x06;
        assert!(curve.point_from_sec1(&hybrid).is_err());
        assert_eq!(curve.identity().to_sec1(false), [0x00]);
        assert!(PublicKey::from_point(curve.identity()).is_err());
    }
}

#[test]
fn points_of_different_curves_do_not_mix() {
    let a = NamedCurve::P256.curve().generator();
    let b = NamedCurve::BrainpoolP256r1.curve().generator();
    assert_eq!(a.add(&b).unwrap_err(), EcError::CurveMismatch);
    let key = PrivateKey::generate(&NamedCurve::P256.curve()).unwrap();
    let other = PrivateKey::generate(&NamedCurve::BrainpoolP256r1.curve()).unwrap().public_key();
    assert_eq!(key.diffie_hellman(&other).unwrap_err(), EcError::CurveMismatch);
}

#[test]
fn private_keys_are_in_range() {
    let curve = NamedCurve::P256.curve();
    assert_eq!(PrivateKey::from_bytes(&curve, &[0; 32]).unwrap_err(), EcError::InvalidScalar("is zero"));
    assert!(PrivateKey::from_bytes(&curve, &curve.order()).is_err());
    assert!(PrivateKey::from_bytes(&curve, &[0xFF; 33]).is_err());
    assert!(PrivateKey::from_bytes(&curve, &order_minus(&curve, 1)).is_ok());
    let key = PrivateKey::from_bytes(&curve, &[1]).unwrap();
    assert_eq!(key.to_bytes().len(), 32);
    assert_eq!(key.public_key().point(), &curve.generator());
    assert!(!format!("{key:?}").contains("01"));
}

#[test]
fn signatures_convert_between_der_and_plain() {
    let curve = NamedCurve::P521.curve();
    let signature = Signature::from_scalars(&[0, 0, 1, 2], &[0x80]);
    assert_eq!(signature.r(), [1, 2]);
    let der = signature.to_der().unwrap();
    // SEQUENCE { INTEGER 0102, INTEGER 0080 }: the high bit needs a zero byte.
    assert_eq!(der, [0x30, 0x08, 0x02, 0x02, 0x01, 0x02, 0x02, 0x02, 0x00, 0x80]);
    assert_eq!(Signature::from_der(&der).unwrap(), signature);
    let plain = signature.to_plain(&curve).unwrap();
    assert_eq!(plain.len(), 2 * 66);
    assert_eq!(Signature::from_plain(&plain).unwrap(), signature);
    assert!(Signature::from_plain(&[1, 2, 3]).is_err());
    assert!(Signature::from_plain(&[]).is_err());
    assert!(Signature::from_der(&[0x30, 0x00]).is_err());
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(Signature::from_der(&trailing).is_err());
    assert!(Signature::from_scalars(&[1; 67], &[1]).to_plain(&curve).is_err());
}

#[test]
fn ecdsa_signs_and_verifies_on_every_curve_with_every_hash() {
    let message = b"ICAO 9303 Active Authentication";
    let hashes: [Vec<u8>; 4] = [
        sha1::Sha1::digest(message).to_vec(),
        Sha256::digest(message).to_vec(),
        Sha384::digest(message).to_vec(),
        Sha512::digest(message).to_vec(),
    ];
    for named in NamedCurve::ALL {
        let curve = named.curve();
        let key = PrivateKey::generate(&curve).unwrap();
        let public = key.public_key();
        for hash in &hashes {
            let signature = key.sign_prehash(hash).unwrap();
            public.verify_prehash(hash, &signature).unwrap();
            let plain = Signature::from_plain(&signature.to_plain(&curve).unwrap()).unwrap();
            public.verify_prehash(hash, &plain).unwrap();
            let mut other = hash.clone();
            other[0] ^= 1;
            assert_eq!(public.verify_prehash(&other, &signature).unwrap_err(), EcError::BadSignature, "{named}");
            let swapped = Signature::from_scalars(signature.s(), signature.r());
            assert!(public.verify_prehash(hash, &swapped).is_err());
        }
        let zero = Signature::from_scalars(&[0], &[1]);
        assert!(matches!(public.verify_prehash(&hashes[1], &zero), Err(EcError::MalformedSignature(_))));
        let at_n = Signature::from_scalars(&curve.order(), &[1]);
        assert!(matches!(public.verify_prehash(&hashes[1], &at_n), Err(EcError::MalformedSignature(_))));
        let deterministic = key.sign_prehash_rfc6979::<Sha256>(&hashes[1]).unwrap();
        assert_eq!(deterministic, key.sign_prehash_rfc6979::<Sha256>(&hashes[1]).unwrap());
        public.verify_prehash(&hashes[1], &deterministic).unwrap();
    }
}

#[test]
fn ecdh_agrees_and_cam_data_divides() {
    for named in NamedCurve::ALL {
        let curve = named.curve();
        let (a, b) = (PrivateKey::generate(&curve).unwrap(), PrivateKey::generate(&curve).unwrap());
        let k_ab = a.diffie_hellman(&b.public_key()).unwrap();
        assert_eq!(*k_ab, *b.diffie_hellman(&a.public_key()).unwrap());
        assert_eq!(k_ab.len(), curve.field_size());
        // PACE-CAM: CA = a / b, and CA * (b G) = a G.
        let ca = a.div(&b).unwrap();
        assert_eq!(b.public_key().point().mul_public(&ca).unwrap(), *a.public_key().point(), "{named}");
    }
}

/// Keys, ECDH and ECDSA made with OpenSSL 3.0.19 for the curves no RustCrypto crate implements: `openssl ecparam
/// -genkey -name CURVE` twice, `openssl pkeyutl -derive` between them, and `openssl dgst -sha256 -sign` of
/// [`OPENSSL_MESSAGE`] with the first key (DER signature).
struct OpensslVector {
    curve: NamedCurve,
    d: &'static str,
    public: &'static str,
    peer: &'static str,
    shared: &'static str,
    signature: &'static str,
}

const OPENSSL_MESSAGE: &[u8] = b"ICAO 9303 test message";

const OPENSSL_VECTORS: &[OpensslVector] = &[
    OpensslVector {
        curve: NamedCurve::P192,
        d: "9C24C119F3E98F85A9D32F4A571F719D398E51B4DEE30DBC",
        public: "04B52D42B83FE02693E7E998A1C1E142F31D35E2DD22A3251ABBE3EF1360C68ED2D663BAC3995ED70B5B598C62A835CC1A",
        peer: "04AF4B2DE5C0DAD5829CBCF590AC479F7E6446667172089385E39724095666EACD218441C6C2A4B555D1CFA122D2B3848A",
        shared: "1E347238D5E52645DAD4D479F358AB87C93FEBA43B98FE7F",
        signature: "3036021900E7586C859D3511CCF44A3D30F65A30EB441122FF94626B7A02190087EDDAB36CAD1426E547EBD0E39D7DDD6ACF485899B120B3",
    },
    OpensslVector {
        curve: NamedCurve::P224,
        d: "EA8B337992E771212377784F47088BAB84022018FD31A7584E9A7872",
        public: "04A53CB8872D87626E249AA959A9B68BC86CD0EDB92E80F8B1D4777BEB77D3BC94E29A5D9FAA561CE36919E155C30579F199335F3F1D569EB9",
        peer: "0442B04622A400316BE1D79C264BBE16D159FAB994945462B17CBED908EEC18517B85E690EC6A54D7BE47F491C832F364AFC6E56D0F66A5E34",
        shared: "BA2ABCF48E7757DECD42CF3DAE4C99AEB90B43355403402558C070D8",
        signature: "303C021C3806EB33D5B11F1B54A3B85BF72806FA5CD67C547CFAF751C957B6D9021C0CC2E84BEAE7537F9D4BC4F74D294416C72754606B9869B6B3A70AB1",
    },
    OpensslVector {
        curve: NamedCurve::BrainpoolP192r1,
        d: "A1C8EEB612F715BBAB646F985CB86B8AC9B13A06424725BC",
        public: "044A9987CE547D4C3D1EB709A0F6608AD1B1651EF8EDA9D2DF4CBC02001847BA3776B125C9A0D68F78A71158DE1CE1C93F",
        peer: "0490F2E50A3617E835A5ED9185594ADDC0BF1EE748AF7502AB5583387CCAE41BF5D383686FA359E18F5ED5F96F57B4C01F",
        shared: "A9DD54A23F4084B1ABD1AC8F3D2AF7F3484081A34F4AFAE5",
        signature: "3035021900B7A913B0BF13B9BBA039273787BA2E634A7028A93C771247021841222C77E8FA4B3D96256DBC601072AF0157F6B2569DF206",
    },
    OpensslVector {
        curve: NamedCurve::BrainpoolP224r1,
        d: "4A1375846202FD27FCCB6DB254D700D4024FD3C1AB4255A6012E65EB",
        public: "0476598B4BAA61C614FC302F3A60A1DDB02A134D1F1F785B903BE631F605292C826B7261A099113E1769A3A4B2B6BE317CA4ACF4C108E74043",
        peer: "04CF04432D818464F5B37DDDB623D4D12AA658FAE0C26612F283A68C7429282630C593D2E0245BFF39051EC3EE24A20D682E74026DC47D426F",
        shared: "AF3FAB9EAC4E040154F1F2246F0676A02FF4EB308E59D257E6D316CE",
        signature: "303D021D0086BD69AFF92F643711425512642C6D2CA98E749FB7D3F7517E4F826C021C7E52F87EB7A3092912E6C568E1C110250A4CD0D4EB151297E7B1D650",
    },
    OpensslVector {
        curve: NamedCurve::BrainpoolP320r1,
        d: "C55C83E88B51E3227B336E89F1FD237A598FC5FAD60429D09BF9D1B16BEA531290D75AFA52B71435",
        public: "041AC7869ADD55EE9CE1406E0332D437D5E838969A241D9B5C212E8AEE23D8D8547D88987D34E136D56631BE25FE5ABA7B2C505D65FB121EEDF8D785C3A4C7DFB53C76AAB4B86E38C09C3C815A6A1990F6",
        peer: "048C02AF88F88B4614FC3B86C3F751ADB5157FBE950118B7DB8B39A1E465333DCB90E9DEC18F1A835981318B6557E473F7C0EF5267EA421301D5CDD3695CCEDE1687E07A3473DAD09663972FA72D9DB775",
        shared: "66E0DA660E152EA055F9054558C794FD54F928F7352DAD07AAA848E6F1D9187C6633F43AB79E04B3",
        signature: "3055022810E5992C15629C0FCD6EBE0D480749C7E656F2DE18DF512F7CEB40DFE2B153096C9D15BA11AFEEC80229008EB724C1C9FF472380B05A7F3165123761B95C5445ED343DE07FAC6C8AC4DCEBA1E596B8CD6269C3",
    },
    OpensslVector {
        curve: NamedCurve::BrainpoolP512r1,
        d: "22C6D90495A743290B6CA52548CAD88915947381D734F772CE197F09BE87CEFA989638E01943701C037E114E8356779C8A078D31D0E923BCF95D6F63D988BA39",
        public: "042668D2B1643A1952FCA0A0F6A19F208A26841B18125D761FA234A33F49B484EBFDB585CB9863563984FB5DC36699179751A7152DD32E39C9B29B0E96A98F449D30F881787D82F376657C583B2A2DBE29C9B50F0F1D2ABA39404E50A4AFC0A9E65B60FB074D4C9F1AFA8F1C34CC8EBB5BEF1A3D96EE3CD831E169AA0EDBC21100",
        peer: "04932B2BEA0FA0B5E16DA914212B78377370BF99A2E6DF1BDA2C2E90F1D82B902E6F58471107C90F908F552AA4ED16D9B2D21E0E3B4CF0843124157C8CEB95056D452DBAE9CA47423F120AC685352A7E14A54783CC7A56B37984D361DBA63B6AC5199E43BD52F659F447BFD98EEDFA2DEA9C2EC04F7A3C33768DB5603580FEB94E",
        shared: "90CFD8F7392695901B827908E4DA2721408DC5EA9C1B8BAC6E04BBA0385E383592A07F3629D7ABDCA5E242FD4904520EC137B669611086519E75BF7B401E236C",
        signature: "3081850241008BA666FC8C394AE2CA57D5DF503215273EC16E0D8C1A9352A9AA53556783BCED78F47302BFAF7E6426C455726EE546370B860991531DD3FA68D65A0046977D4A02400647A9E735839663858510BA08B545B2806A854B577277B86CDE7446AA3079EB0427845E2A064619B818AC0B8D9A3ADA10F7543E4848448F9F9034D5FACF31DF",
    },
];

#[test]
fn openssl_keys_ecdh_and_signatures_agree() {
    let hash = Sha256::digest(OPENSSL_MESSAGE);
    for vector in OPENSSL_VECTORS {
        let curve = vector.curve.curve();
        let key = PrivateKey::from_bytes(&curve, &unhex(vector.d)).unwrap();
        let public = key.public_key();
        assert_eq!(public.to_uncompressed(), unhex(vector.public), "{}", vector.curve);
        let peer = PublicKey::from_sec1(&curve, &unhex(vector.peer)).unwrap();
        assert_eq!(*key.diffie_hellman(&peer).unwrap(), unhex(vector.shared), "{}", vector.curve);
        let signature = Signature::from_der(&unhex(vector.signature)).unwrap();
        public.verify_prehash(&hash, &signature).unwrap();
        assert_eq!(peer.verify_prehash(&hash, &signature).unwrap_err(), EcError::BadSignature);
    }
}

/// The same scalar multiplications and signatures as a RustCrypto curve crate, both ways.
macro_rules! cross_check {
    ($name:ident, $named:expr, $krate:ident, $curve_ty:ty, $projective:ty, $digest:ty) => {
        #[test]
        fn $name() {
            use ::ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};
            use $krate::elliptic_curve::sec1::ToSec1Point as _;
            let curve = $named.curve();
            for seed in 1u8..=4 {
                let mut bytes = vec![seed; curve.order_size()];
                // Below n: P-521's order starts with 01.
                bytes[0] = 0x3A.min(curve.order()[0]);
                let theirs = ::ecdsa::SigningKey::<$curve_ty>::from_slice(&bytes).unwrap();
                let ours = PrivateKey::from_bytes(&curve, &bytes).unwrap();
                // d G.
                let their_public = theirs.verifying_key().as_affine().to_sec1_point(false);
                assert_eq!(ours.public_key().to_uncompressed(), their_public.as_bytes());
                let hash = <$digest>::digest([seed; 7]);
                // Their signature verifies with us, in both formats.
                let signature: ::ecdsa::Signature<$curve_ty> = theirs.sign_prehash(&hash).unwrap();
                let plain = Signature::from_plain(&signature.to_bytes()).unwrap();
                ours.public_key().verify_prehash(&hash, &plain).unwrap();
                let der = Signature::from_der(signature.to_der().as_bytes()).unwrap();
                ours.public_key().verify_prehash(&hash, &der).unwrap();
                // RFC 6979 gives the same k, hence the same signature.
                let deterministic = ours.sign_prehash_rfc6979::<$digest>(&hash).unwrap();
                assert_eq!(deterministic.to_plain(&curve).unwrap(), signature.to_bytes().to_vec());
                // Ours (random k) verifies with them.
                let random = ours.sign_prehash(&hash).unwrap();
                let theirs_sig =
                    ::ecdsa::Signature::<$curve_ty>::from_slice(&random.to_plain(&curve).unwrap()).unwrap();
                theirs.verifying_key().verify_prehash(&hash, &theirs_sig).unwrap();
                // ECDH: our d times their public key.
                let mut peer_bytes = vec![seed.wrapping_mul(3); curve.order_size()];
                peer_bytes[0] = peer_bytes[0].min(curve.order()[0]);
                let peer = ::ecdsa::SigningKey::<$curve_ty>::from_slice(&peer_bytes).unwrap();
                let peer_public = peer.verifying_key().as_affine().to_sec1_point(false);
                let peer_ours = PublicKey::from_sec1(&curve, peer_public.as_bytes()).unwrap();
                let shared = ours.diffie_hellman(&peer_ours).unwrap();
                let product =
                    <$projective>::from(*peer.verifying_key().as_affine()) * *theirs.as_nonzero_scalar().as_ref();
                let product = product.to_affine().to_sec1_point(false);
                assert_eq!(&*shared, &product.as_bytes()[1..1 + curve.field_size()]);
            }
        }
    };
}

cross_check!(p256_matches_rustcrypto, NamedCurve::P256, p256, p256::NistP256, p256::ProjectivePoint, Sha256);
cross_check!(p384_matches_rustcrypto, NamedCurve::P384, p384, p384::NistP384, p384::ProjectivePoint, Sha384);
cross_check!(p521_matches_rustcrypto, NamedCurve::P521, p521, p521::NistP521, p521::ProjectivePoint, Sha512);
cross_check!(
    bp256_matches_rustcrypto,
    NamedCurve::BrainpoolP256r1,
    bp256,
    bp256::BrainpoolP256r1,
    bp256::r1::ProjectivePoint,
    Sha256
);
cross_check!(
    bp384_matches_rustcrypto,
    NamedCurve::BrainpoolP384r1,
    bp384,
    bp384::BrainpoolP384r1,
    bp384::r1::ProjectivePoint,
    Sha384
);

fn vectors(name: &str) -> Option<serde_json::Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao/vectors").join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).unwrap()),
        Err(_) => {
            eprintln!("skipped: {} absent", path.display());
            None
        }
    }
}

/// ICAO 9303-11 Appendix G.1 (PACE Generic Mapping, ECDH on brainpoolP256r1, parameter id 13), as the shared
/// vectors hold it (recomputed from JMRTD, gmrtd and dmrtd's tests).
#[test]
fn pace_generic_mapping_worked_example() {
    let Some(json) = vectors("icao9303_p11_appG_pace_gm.json") else { return };
    let v = &json["G1_ECDH"];
    let h = |key: &str| unhex(v[key].as_str().unwrap());
    let curve = Curve::from_parameter_id(v["parameter_id"].as_u64().unwrap() as u8).unwrap();
    assert_eq!(curve.named_curve(), Some(NamedCurve::BrainpoolP256r1));
    // PK_map = SK_map G, both sides.
    let sk_map_ifd = PrivateKey::from_bytes(&curve, &h("SK_map_IFD")).unwrap();
    let sk_map_ic = PrivateKey::from_bytes(&curve, &h("SK_map_IC")).unwrap();
    assert_eq!(sk_map_ifd.public_key().to_uncompressed(), h("PK_map_IFD"));
    assert_eq!(sk_map_ic.public_key().to_uncompressed(), h("PK_map_IC"));
    // H = SK_map,IFD PK_map,IC = SK_map,IC PK_map,IFD.
    let pk_map_ic = PublicKey::from_sec1(&curve, &h("PK_map_IC")).unwrap();
    let pk_map_ifd = PublicKey::from_sec1(&curve, &h("PK_map_IFD")).unwrap();
    let shared = sk_map_ifd.shared_point(&pk_map_ic).unwrap();
    assert_eq!(shared.to_uncompressed(), h("H"));
    assert_eq!(sk_map_ic.shared_point(&pk_map_ifd).unwrap(), shared);
    // G~ = s G + H.
    let mapped = curve.map_generic(&h("nonce_s"), &shared).unwrap();
    assert_eq!(mapped.generator().to_uncompressed(), h("G_mapped"));
    assert!(mapped.same_group(&curve));
    // PK = SK G~, and K = x(SK_IFD PK_IC) = x(SK_IC PK_IFD).
    let sk_ifd = PrivateKey::from_bytes(&mapped, &h("SK_IFD")).unwrap();
    let sk_ic = PrivateKey::from_bytes(&mapped, &h("SK_IC")).unwrap();
    assert_eq!(sk_ifd.public_key().to_uncompressed(), h("PK_IFD"));
    assert_eq!(sk_ic.public_key().to_uncompressed(), h("PK_IC"));
    let pk_ic = PublicKey::from_sec1(&mapped, &h("PK_IC")).unwrap();
    let pk_ifd = PublicKey::from_sec1(&mapped, &h("PK_IFD")).unwrap();
    assert_eq!(*sk_ifd.diffie_hellman(&pk_ic).unwrap(), h("K_shared_x"));
    assert_eq!(*sk_ic.diffie_hellman(&pk_ifd).unwrap(), h("K_shared_x"));
}

#[test]
fn subject_public_key_infos_round_trip_named_and_explicit() {
    for named in NamedCurve::ALL {
        let key = PrivateKey::generate(&named.curve()).unwrap().public_key();
        for explicit in [false, true] {
            let spki = key.to_spki_der(explicit).unwrap();
            let back = PublicKey::from_spki_der(&spki).unwrap();
            assert_eq!(back, key);
            assert_eq!(back.curve().named_curve(), Some(named));
        }
    }
    // p256's own encoding (named curve prime256v1).
    use p256::pkcs8::EncodePublicKey as _;
    let theirs = p256::SecretKey::from_slice(&[7; 32]).unwrap().public_key();
    let der = theirs.to_public_key_der().unwrap();
    let ours = PublicKey::from_spki_der(der.as_bytes()).unwrap();
    assert_eq!(ours, PrivateKey::from_bytes(&NamedCurve::P256.curve(), &[7; 32]).unwrap().public_key());
}

/// Not a benchmark: the brief's bound for the slowest verification (brainpoolP512r1) in a debug build, run by hand
/// with `cargo test -p mrtd ec::tests::bp512_verify_time -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run by hand"]
fn bp512_verify_time() {
    let curve = NamedCurve::BrainpoolP512r1.curve();
    let key = PrivateKey::generate(&curve).unwrap();
    let hash = Sha512::digest(b"speed");
    let signature = key.sign_prehash(&hash).unwrap();
    let public = key.public_key();
    let start = std::time::Instant::now();
    for _ in 0..10 {
        public.verify_prehash(&hash, &signature).unwrap();
    }
    let each = start.elapsed() / 10;
    println!("brainpoolP512r1 ECDSA verify: {each:?}");
    let start = std::time::Instant::now();
    let _ = key.sign_prehash(&hash).unwrap();
    println!("brainpoolP512r1 ECDSA sign: {:?}", start.elapsed());
    let start = std::time::Instant::now();
    let _ = PrivateKey::generate(&curve).unwrap().diffie_hellman(&public).unwrap();
    println!("brainpoolP512r1 key generation + ECDH: {:?}", start.elapsed());
    assert!(each < std::time::Duration::from_millis(50));
}

/// Every EC SubjectPublicKeyInfo in a file: each `30` TLV that decodes as one with algorithm id-ecPublicKey.
fn ec_spkis(bytes: &[u8]) -> Vec<&[u8]> {
    use der::Decode as _;
    let mut found = Vec::new();
    for start in 0..bytes.len() {
        if bytes[start] != 0x30 {
            continue;
        }
        let Ok(header) = crate::tlv::parse_header(&bytes[start..]) else { continue };
        let Some(tlv) = bytes.get(start..start + header.total_len()) else { continue };
        if let Ok(spki) = spki::SubjectPublicKeyInfoRef::from_der(tlv)
            && [ID_EC_PUBLIC_KEY, ID_STANDARDIZED_DOMAIN_PARAMETERS].contains(&spki.algorithm.oid)
        {
            found.push(tlv);
        }
    }
    found
}

/// The EC keys of real documents' signers (AT DE FI RU UK write their curve out in full), of the German master
/// list's CSCAs, and the chip authentication keys of DG14 (explicit parameters) and EF.CardSecurity (a parameter id)
/// all parse, and every explicit curve among them is recognised as a named one.
#[test]
fn real_certificates_ec_keys_parse() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao/data");
    let files = [
        "real_docs_sod_only/AT_EF_SOD.bin",
        "real_docs_sod_only/DE_EF_SOD.bin",
        "real_docs_sod_only/FI_EF_SOD.bin",
        "real_docs_sod_only/RU_EF_SOD.bin",
        "real_docs_sod_only/UK_EF_SOD.bin",
        "masterlists/tananaev_DE_masterList_unwrapped.der",
        "pymrtd_etsi_tr103200/DG14.bin",
        "pymrtd_bsi_tr03105_5/DG14.bin",
        "real_docs_sod_only/DE_EF_CardSecurity.bin",
        "real_docs_sod_only/FI_EF_CardSecurity.bin",
        "vsmartcard_npa_ecdh/ef_cardsecurity",
    ];
    for file in files {
        let Ok(bytes) = std::fs::read(dir.join(file)) else {
            eprintln!("skipped: {file} absent");
            continue;
        };
        let spkis = ec_spkis(&bytes);
        assert!(!spkis.is_empty(), "{file}: no EC key found");
        let mut explicit = 0;
        let mut curves = std::collections::BTreeMap::<String, usize>::new();
        for spki in &spkis {
            let key = PublicKey::from_spki_der(spki).unwrap_or_else(|e| panic!("{file}: {e}"));
            // An explicit SpecifiedECDomain starts `30` after the OID; a named curve is an OID.
            let at = spki.windows(9).position(|w| w == [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]);
            if at.is_some_and(|at| spki[at + 9] == 0x30) {
                explicit += 1;
            }
            let name = key.curve().named_curve().map_or_else(|| format!("{:?}", key.curve()), |n| n.to_string());
            *curves.entry(name).or_default() += 1;
        }
        eprintln!("{file}: {} EC keys, {explicit} with explicit parameters: {curves:?}", spkis.len());
        for spki in &spkis {
            assert!(PublicKey::from_spki_der(spki).unwrap().curve().named_curve().is_some(), "{file}");
        }
        if file.starts_with("real_docs") {
            assert!(explicit > 0, "{file}: expected explicit parameters");
        }
    }
}

/// The self-signed CSCA certificates with EC keys in the German master list: each signature (X9.62 DER, the hash
/// its algorithm names) verifies with the certificate's own key, explicit parameters or not. Real signatures over
/// every curve a country uses.
#[test]
fn real_self_signed_csca_signatures_verify() {
    use der::{Decode as _, Encode as _};
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/icao/data/masterlists/tananaev_DE_masterList_unwrapped.der");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: {} absent", path.display());
        return;
    };
    #[derive(der::Sequence)]
    struct MasterList {
        version: u8,
        certificates: der::asn1::SetOfVec<x509_cert::Certificate>,
    }
    let list = MasterList::from_der(&bytes).unwrap();
    assert_eq!(list.version, 0);
    let ec_key = |cert: &x509_cert::Certificate| {
        let spki = cert.tbs_certificate().subject_public_key_info();
        (spki.algorithm.oid == ID_EC_PUBLIC_KEY).then(|| PublicKey::from_spki_der(&spki.to_der().unwrap()).unwrap())
    };
    let mut verified = std::collections::BTreeMap::<String, usize>::new();
    let mut links = 0;
    for cert in list.certificates.iter() {
        let tbs = cert.tbs_certificate();
        let Some(key) = ec_key(cert).filter(|_| tbs.issuer() == tbs.subject()) else { continue };
        let message = tbs.to_der().unwrap();
        let hash = match cert.signature_algorithm().oid.to_string().as_str() {
            "1.2.840.10045.4.1" => sha1::Sha1::digest(&message).to_vec(),
            "1.2.840.10045.4.3.2" => Sha256::digest(&message).to_vec(),
            "1.2.840.10045.4.3.3" => Sha384::digest(&message).to_vec(),
            "1.2.840.10045.4.3.4" => Sha512::digest(&message).to_vec(),
            // An EC key certified by an RSA key: a link from an RSA CSCA.
            _ => {
                links += 1;
                continue;
            }
        };
        let signature = Signature::from_der(cert.signature().as_bytes().unwrap()).unwrap();
        let name = key.curve().named_curve().unwrap().to_string();
        if key.verify_prehash(&hash, &signature).is_ok() {
            *verified.entry(name).or_default() += 1;
            let mut wrong = hash.clone();
            wrong[3] ^= 0x10;
            assert_eq!(key.verify_prehash(&wrong, &signature).unwrap_err(), EcError::BadSignature);
            continue;
        }
        // Otherwise a link certificate: the same name, signed by the CSCA's previous key (its authority key
        // identifier is not its own key identifier), which the list need not hold.
        let extension = |oid: &str| {
            tbs.extensions()
                .into_iter()
                .flatten()
                .find(|e| e.extn_id.to_string() == oid)
                .map(|e| e.extn_value.as_bytes().to_vec())
        };
        let ski = extension("2.5.29.14").unwrap();
        let aki = extension("2.5.29.35").unwrap();
        assert!(
            !aki.windows(ski.len() - 2).any(|w| w == &ski[2..]),
            "{name}: self-signed {} does not verify",
            tbs.subject()
        );
        links += 1;
    }
    eprintln!("self-signed EC CSCAs verified: {verified:?}; {links} link certificates skipped");
    assert!(verified.values().sum::<usize>() > 10);
}
