#!/usr/bin/env bash
# Fuzzes one target: ./run.sh TARGET [SECONDS] [extra libFuzzer flags...]
#
# Prepares corpus/TARGET (ignored by git) from seeds/TARGET and, where the shared test data is present, from the
# matching sample files of ../../shared/testdata (copied at run time, never committed), then runs the target for
# SECONDS (default 600) under `cargo fuzz run` with a 2 GB RSS limit. The stable toolchain is made to accept cargo
# fuzz's nightly flags with RUSTC_BOOTSTRAP=1; see README.md.
#
# Environment: SHARED=0 leaves the shared sample files out; TESTDATA overrides where they are looked for.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

targets=(mrz tlv apdu sm_unwrap dg2 face_image lds dg15 sod master_list card_access dg14 watchlist_records watchlist_bundle)
target="${1:-}"
if [[ -z "$target" || ! " ${targets[*]} " == *" $target "* ]]; then
    echo "usage: $0 TARGET [SECONDS] [libFuzzer flags...]   TARGET: ${targets[*]}" >&2
    exit 2
fi
seconds="${2:-600}"
shift $(( $# >= 2 ? 2 : 1 ))

testdata="${TESTDATA:-$here/../../shared/testdata/icao/data}"
corpus="corpus/$target"
mkdir -p "$corpus"
cp -f "seeds/$target"/* "$corpus"/

# Sample files worth starting from, per target (paths under $testdata).
case "$target" in
    dg2)
        shared=(jmrtd/lds/bsi2008/Datagroup2.bin jmrtd/lds/loes2006/ef0102.bin jmrtd/lds/dg2/dg2_silver_all_fields.bin
                jmrtd/lds/dg2/dg2_silver_mandatory_fields.bin gmrtd/ICAO_39794_5_AP_DG2_AllFields.dat
                gmrtd/ICAO_39794_5_AP_DG2_MandFields.dat gmrtd/ICAO_39794_5_AP_AllFields.dat
                gmrtd/ICAO_39794_5_AP_MandFields.dat gmrtd/ISO19794_Test1_Data.bin gmrtd/ISO19794_Test2_Data_InvalidImage.bin) ;;
    face_image)
        # Not jmrtd/dg2/silver.jp2 nor gmrtd/ICAO_39794_5_AP_DG2_Face.jpg (the same 413x531 JPEG 2000 under a .jpg
        # name): their mutants decode some fifty times slower than the seeds' small images. Copy one into
        # corpus/face_image by hand for a run aimed at the JPEG 2000 decoder.
        shared=(gmrtd/ISO19794_Test1_Face.jpg) ;;
    lds|tlv)
        shared=(jmrtd/lds/bsi2008/EF_COM.bin jmrtd/lds/bsi2008/Datagroup1.bin jmrtd/lds/loes2006/ef011E.bin
                jmrtd/lds/loes2006/ef0101.bin pymrtd_etsi_tr103200/DG1.bin) ;;
    dg15)
        # Mode byte 0 (parse) in front of each DG15 file, below.
        shared=(jmrtd/lds/bsi2008/Datagroup15.bin jmrtd/lds/loes2006/ef010F.bin pymrtd_etsi_tr103200/DG15.bin) ;;
    sod)
        shared=(real_docs_sod_only/AT_EF_SOD.bin real_docs_sod_only/DE_EF_SOD.bin real_docs_sod_only/FI_EF_SOD.bin
                real_docs_sod_only/FR_EF_SOD.bin real_docs_sod_only/ID_EF_SOD.bin real_docs_sod_only/MY_EF_SOD.bin
                real_docs_sod_only/NZ_EF_SOD.bin real_docs_sod_only/PH_EF_SOD.bin real_docs_sod_only/RU_EF_SOD.bin
                real_docs_sod_only/SG_EF_SOD.bin real_docs_sod_only/UK_EF_SOD.bin real_docs_sod_only/US_EF_SOD.bin
                real_docs_sod_only/DE_EF_CardSecurity.bin jmrtd/lds/bsi2008/EF_SOD.bin jmrtd/lds/loes2006/ef011D.bin
                pymrtd_bsi_tr03105_5/EF_SOD.bin pymrtd_etsi_tr103200/EF_SOD.bin) ;;
    master_list)
        # Mode byte 0 (one source) in front of each certificate, below; the master lists themselves are far over
        # the input length and are left out.
        shared=(masterlists/DE_ROOT_CA_CSCA07.cer masterlists/NL_ROOT_CA.cer masterlists/IDN_2016-01_CSCA_LINK.cer
                masterlists/IDN_2020-10_CSCA.cer pymrtd_bsi_tr03105_5/dsc_de_0142fd5cf927.cer) ;;
    card_access)
        shared=(vsmartcard_npa_ecdh/ef_cardaccess vsmartcard_npa_dh/ef_cardaccess) ;;
    dg14)
        shared=(jmrtd/lds/bsi2008/Datagroup14.bin pymrtd_bsi_tr03105_5/DG14.bin pymrtd_etsi_tr103200/DG14.bin) ;;
    *)
        shared=() ;;
esac
[[ "${SHARED:-1}" == 0 ]] && shared=()
for f in "${shared[@]}"; do
    if [[ -f "$testdata/$f" ]]; then
        if [[ "$target" == dg15 || "$target" == master_list ]]; then
            { printf '\0'; cat "$testdata/$f"; } > "$corpus/shared_$(echo "$f" | tr '/' '_')"
        else
            cp -f "$testdata/$f" "$corpus/shared_$(echo "$f" | tr '/' '_')"
        fi
    fi
done

# The largest seed sets libFuzzer's default input length; DG2 files and images need room for a small JPEG.
case "$target" in
    dg2|face_image) max_len=20000 ;;
    *) max_len=4096 ;;
esac

export RUSTC_BOOTSTRAP=1
exec cargo fuzz run "$target" "$corpus" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 -print_final_stats=1 "$@"
