"""A simulated trusted execution environment: CCF's virtual and SEV-SNP-shaped attestation of nodes.

The API the service uses: a platform (:class:`VirtualPlatform`, :class:`SnpPlatform`) makes a node's
:class:`QuoteInfo`; :func:`verify_join` checks it against :class:`Allowlists` read from the store, in CCF's
order and with CCF's result codes; :func:`genesis_writes` gives what the first node writes to them.
"""

from pyccf.tee.allowlists import Allowlists, genesis_writes
from pyccf.tee.amd import pinned_roots
from pyccf.tee.errors import AttestationFormatError
from pyccf.tee.evidence import Evidence
from pyccf.tee.platform import SnpPlatform
from pyccf.tee.quote_info import QuoteInfo
from pyccf.tee.snp_verify import QuoteRefused
from pyccf.tee.tcb import TcbVersion
from pyccf.tee.verify import JoinVerdict, verify_join, verify_quote
from pyccf.tee.virtual import VirtualPlatform

__all__ = [
    "Allowlists",
    "AttestationFormatError",
    "Evidence",
    "JoinVerdict",
    "QuoteInfo",
    "QuoteRefused",
    "SnpPlatform",
    "TcbVersion",
    "VirtualPlatform",
    "genesis_writes",
    "pinned_roots",
    "verify_join",
    "verify_quote",
]
