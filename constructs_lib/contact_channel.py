"""A contact channel: one e-mail address or phone number Incident Manager can page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from constructs import Construct

from constructs_lib.aws import (
    SsmcontactsContactChannel,
    SsmcontactsContactChannelDeliveryAddress,
)

ChannelType = Literal["EMAIL", "SMS", "VOICE"]
CHANNEL_TYPES: tuple[ChannelType, ...] = ("EMAIL", "SMS", "VOICE")


@dataclass(frozen=True)
class ContactChannelProps:
    """A channel of a contact. ``address`` is an e-mail address (EMAIL) or an E.164 number."""

    name: str
    type: ChannelType
    address: str


class ContactChannel(Construct):
    """Creates one channel of a contact. AWS sends it an activation code on creation; it pages
    nobody until that code is entered."""

    def __init__(
        self, scope: Construct, id: str, *, contact_arn: str, props: ContactChannelProps
    ) -> None:
        super().__init__(scope, id)
        self.props = props
        self.resource = SsmcontactsContactChannel(
            self,
            "Resource",
            contact_id=contact_arn,
            name=props.name,
            type=props.type,
            delivery_address=SsmcontactsContactChannelDeliveryAddress(simple_address=props.address),
        )
        self._channel_arn: str | None = None

    @property
    def name(self) -> str:
        return self.props.name

    @property
    def channel_arn(self) -> str:
        # Read once: every read of a jsii property is a round trip to the Node.js kernel. The
        # token resolves to the same reference however often it is used.
        if self._channel_arn is None:
            self._channel_arn = self.resource.arn
        return self._channel_arn
