"""What a customer owns and what to offer them next: pure rules over the product catalogue.

An e-mail never pitches what the account already has. Ownership comes from the CRM's product names
(active contracts and orders), matched against each product's aliases; a bundle counts as its parts.
The next offer is the first product in the persona's order that the account lacks and may buy (its
prerequisites owned, or bought together for a prospect starting from HR Core).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

CATALOGUE = Path(__file__).with_name("offers.yaml")


class Product(BaseModel):
    key: str
    short: str
    """The name people use in passing ("Insight"); a text naming it names the product."""
    name: dict[str, str]
    aliases: list[str]
    requires: list[str] = Field(default_factory=list)
    bundles: list[str] = Field(default_factory=list)
    """For a package: the products it contains."""
    price: Decimal
    """List price, euros per user per month, VAT excluded."""
    licence: bool = True
    """A licence (volume discounts apply), not a support plan."""
    asked_as: list[str] = Field(default_factory=list)

    def named(self, lang: str) -> str:
        return self.name.get(lang) or self.name["en"]


class Discount(BaseModel):
    users: int
    percent: Decimal


class Terms(BaseModel):
    minimum_users: int
    volume_discounts: list[Discount]


class Catalogue(BaseModel):
    products: dict[str, Product]
    terms: Terms
    next_for: dict[str, list[str]]


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    products = {key: Product(key=key, **spec) for key, spec in raw["products"].items()}
    return Catalogue(products=products, terms=Terms(**raw["terms"]), next_for=raw["next_for"])


def product_key(crm_name: str) -> str | None:
    """The catalogue key of a product name as the CRM writes it (``Tukipaketti Plus`` → ``plus``)."""
    text = " ".join(crm_name.lower().split())
    best: tuple[int, str] | None = None
    for product in catalogue().products.values():
        for alias in product.aliases:
            matches = alias == text or f" {alias} " in f" {text} "
            if matches and (best is None or len(alias) > best[0]):  # the longest alias names it
                best = (len(alias), product.key)
    return best[1] if best else None


def owned(crm_names: Iterable[str]) -> frozenset[str]:
    """Product keys an account owns, bundles expanded to their parts (and all parts to the bundle)."""
    cat = catalogue().products
    keys = {k for k in (product_key(n) for n in crm_names) if k}
    for key in list(keys):
        keys |= set(cat[key].bundles)
    for key, product in cat.items():
        if product.bundles and set(product.bundles) <= keys:
            keys.add(key)
    return frozenset(keys)


def offer_order(have: frozenset[str], persona: str | None) -> list[str]:
    """Products the account could buy next, best first (empty when it owns everything worth offering).

    A prospect (owns nothing) is offered HR Core, the base every other product needs. A package is
    offered only to an account that has none of its add-ons yet: otherwise it would sell them a part
    they own.
    """
    cat = catalogue()
    if "hr_core" not in have:
        return ["hr_core"]
    out = []
    for key in cat.next_for.get(persona or "", cat.next_for["default"]):
        product = cat.products[key]
        if key in have:
            continue
        if product.bundles and have & (set(product.bundles) - {"hr_core"}):
            continue  # a package is offered instead of add-ons, never on top of one they own
        if all(req in have for req in product.requires):
            out.append(key)
    return out


def name(key: str, lang: str) -> str:
    return catalogue().products[key].named(lang)


def names(key: str, lang: str) -> tuple[str, str]:
    """The product's full and short names: either in a text names it."""
    product = catalogue().products[key]
    return product.named(lang), product.short
