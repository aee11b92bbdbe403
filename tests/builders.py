"""Small raw folders written row by row, for tests of one definition at a time."""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path

COOPERATOR_COLUMNS = [
    "cooperator_register_number", "is_company", "lastname", "firstname", "company_name",
    "company_register_number", "birthdate", "gender", "national_number", "email", "phone",
    "street", "zip", "city", "country_id", "lang",
]  # fmt: skip
OPERATION_COLUMNS = [
    "register_number_operation", "date", "type", "cooperator_register_number",
    "partner_to_register_number", "share_short_name", "share_to_short_name", "quantity",
    "quantity_to", "share_unit_price", "reason",
]  # fmt: skip
SUBSCRIPTION_REQUEST_COLUMNS = [
    "id", "date", "type", "share_short_name", "ordered_parts", "state", "refusal_reason",
    "cooperator_register_number", "is_company", "lang", "zip",
]  # fmt: skip
OPERATION_REQUEST_COLUMNS = [
    "id", "request_date", "effective_date", "operation_type", "cooperator_register_number",
    "share_short_name", "quantity", "state", "reason", "refusal_reason",
]  # fmt: skip
VOTE_COLUMNS = ["member_number", "channel", "voted_at", "proxy_holder"]


def write_csv(path: Path, columns: list[str], rows: list[dict], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="raise")
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in columns} for row in rows)
    return path


@dataclass
class Register:
    """A share register built operation by operation; `write(raw_dir)` writes the 4 files."""

    cooperators: list[dict] = field(default_factory=list)
    operations: list[dict] = field(default_factory=list)
    subscription_requests: list[dict] = field(default_factory=list)
    operation_requests: list[dict] = field(default_factory=list)
    votes: dict[str, list[dict]] = field(default_factory=dict)
    _op_numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def member(self, number: int, **fields: object) -> int:
        row = {
            "cooperator_register_number": number,
            "is_company": "False",
            "lastname": f"Name{number}",
            "firstname": "Test",
            "national_number": "85.07.30-033.61",
            "email": f"m{number}@example.org",
            "street": "Rue de la Loi 16, boîte 2",
            "zip": "1000",
            "city": "Brussel",
            "country_id": "BE",
            "lang": "nl_BE",
        }
        row.update({k: str(v) for k, v in fields.items()})
        self.cooperators.append(row)
        return number

    def operation(self, date: str, kind: str, member: int, shares: int, cls: str = "A", **extra):
        row = {
            "register_number_operation": next(self._op_numbers),
            "date": date,
            "type": kind,
            "cooperator_register_number": member,
            "share_short_name": cls,
            "quantity": shares,
            "share_unit_price": "30.00",
        }
        row.update(extra)
        self.operations.append(row)
        return row["register_number_operation"]

    def subscribe(self, date: str, member: int, shares: int = 1, cls: str = "A") -> int:
        return self.operation(date, "subscription", member, shares, cls)

    def sell_back(self, date: str, member: int, shares: int, reason: str, cls: str = "A") -> int:
        return self.operation(date, "sell_back", member, shares, cls, reason=reason)

    def transfer(self, date: str, giver: int, receiver: int, shares: int, cls: str = "A") -> int:
        return self.operation(
            date, "transfer", giver, shares, cls, partner_to_register_number=receiver
        )

    def convert(self, date: str, member: int, shares: int, src: str, dst: str, shares_to: int):
        return self.operation(
            date, "convert", member, shares, src, share_to_short_name=dst, quantity_to=shares_to
        )

    def vote(self, assembly: str, member: str | int, channel: str = "online", **extra) -> None:
        row = {
            "member_number": member,
            "channel": channel,
            "voted_at": f"{assembly}T14:03:11+02:00",
        }
        row.update(extra)
        self.votes.setdefault(assembly, []).append(row)

    def write(self, raw_dir: Path, suffix: str = "_20250115") -> Path:
        register = raw_dir / "register"
        write_csv(register / f"cooperators{suffix}.csv", COOPERATOR_COLUMNS, self.cooperators)
        write_csv(register / f"share_operations{suffix}.csv", OPERATION_COLUMNS, self.operations)
        write_csv(
            register / f"subscription_requests{suffix}.csv",
            SUBSCRIPTION_REQUEST_COLUMNS,
            self.subscription_requests,
        )
        write_csv(
            register / f"operation_requests{suffix}.csv",
            OPERATION_REQUEST_COLUMNS,
            self.operation_requests,
        )
        for assembly, rows in self.votes.items():
            write_csv(raw_dir / "assembly" / f"ga_{assembly}.csv", VOTE_COLUMNS, rows)
        return raw_dir
