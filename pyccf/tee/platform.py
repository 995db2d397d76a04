"""A simulated SEV-SNP guest: its chip signs reports binding a node's key, endorsed by the simulated AMD."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pyccf.formats.attestation import (
    HOST_DATA_SIZE,
    SNP_MEASUREMENT_SIZE,
    SNP_MIN_VERSION,
    SNP_REPORT_DATA_SIZE,
    SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384,
    SNP_SIGNING_KEY_VCEK,
    QuoteFormat,
    SnpFlagBits,
    SnpPolicyBit,
    SnpProduct,
)
from pyccf.tee.amd import DEFAULT_AMD_SEED, Endorsement, ark, ask, chip_id_of, vcek
from pyccf.tee.quote_info import QuoteInfo
from pyccf.tee.snp import build_report, sign_report
from pyccf.tee.tcb import TcbVersion
from pyccf.tee.virtual import report_data_of

#: (family, model, stepping) of a chip of each product.
CPUIDS: dict[SnpProduct, tuple[int, int, int]] = {
    SnpProduct.MILAN: (0x19, 0x01, 0x01),
    SnpProduct.GENOA: (0x19, 0x11, 0x01),
    SnpProduct.TURIN: (0x1A, 0x01, 0x01),
}
#: A production guest policy: ABI 0.31, SMT allowed, the reserved bit set; no debug, no migration agent.
DEFAULT_POLICY = (1 << SnpPolicyBit.RESERVED_ONE) | (1 << SnpPolicyBit.SMT) | 31
DEFAULT_TCB = TcbVersion(boot_loader=4, tee=0, snp=0x15, microcode=0xD3, fmc=0)
DEFAULT_MEASUREMENT = hashlib.sha384(b"pyccf simulated SNP guest").digest()


def endorsement_bundle(*chain: Endorsement) -> bytes:
    """The ``endorsements`` of an SNP quote: the PEM certificates in order (CCF expects VCEK, ASK, ARK)."""
    return b"".join(e.pem for e in chain)


@dataclass(frozen=True)
class SnpPlatform:
    """One chip (``chip_seed``) running a guest with ``measurement``, ``host_data`` and ``policy``.

    The fields CCF's verifier refuses when set (``debug``, ``migrate_ma``, a VMPL above 3, a masked chip
    key, another signing key) can be set here, so tests can produce every refused report, validly signed.
    """

    chip_seed: bytes
    host_data: bytes
    measurement: bytes = DEFAULT_MEASUREMENT
    product: SnpProduct = SnpProduct.MILAN
    tcb: TcbVersion = DEFAULT_TCB
    policy: int = DEFAULT_POLICY
    vmpl: int = 0
    flags: int = SNP_SIGNING_KEY_VCEK << SnpFlagBits.SIGNING_KEY
    amd_seed: bytes = field(default=DEFAULT_AMD_SEED)

    def __post_init__(self) -> None:
        if len(self.measurement) != SNP_MEASUREMENT_SIZE or len(self.host_data) != HOST_DATA_SIZE:
            raise ValueError("an SNP measurement has 48 bytes, host data 32")

    @property
    def chip_id(self) -> bytes:
        return chip_id_of(self.chip_seed)

    @property
    def chain(self) -> tuple[Endorsement, Endorsement, Endorsement]:
        """VCEK, ASK, ARK: the order of CCF's endorsement bundle."""
        seed, product = self.amd_seed, self.product
        return vcek(seed, product, self.chip_seed, self.tcb), ask(seed, product), ark(seed, product)

    def report(self, report_data: bytes) -> bytes:
        """A report over ``report_data`` (padded with zeros to 64 bytes), signed by the chip's VCEK."""
        family, model, stepping = CPUIDS[self.product]
        tcb = self.tcb.to_bytes(self.product)
        unsigned = build_report(
            {
                "version": SNP_MIN_VERSION,
                "policy": self.policy,
                "vmpl": self.vmpl,
                "signature_algo": SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384,
                "platform_version": tcb,
                "flags": self.flags,
                "report_data": report_data.ljust(SNP_REPORT_DATA_SIZE, b"\0"),
                "measurement": self.measurement,
                "host_data": self.host_data,
                "reported_tcb": tcb,
                "cpuid_fam_id": family,
                "cpuid_mod_id": model,
                "cpuid_step": stepping,
                "chip_id": self.chip_id,
                "committed_tcb": tcb,
                "launch_tcb": tcb,
            }
        )
        return sign_report(unsigned, self.chain[0].key)

    def quote(self, public_key_der: bytes) -> QuoteInfo:
        """The envelope a node with this public key sends to join."""
        return QuoteInfo(
            QuoteFormat.SNP, self.report(report_data_of(public_key_der)), endorsement_bundle(*self.chain)
        )
