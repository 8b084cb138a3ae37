"""Trust: data-subject rights (export, erasure), retention and the audit view. See DOMAIN.md, "Trust"."""
