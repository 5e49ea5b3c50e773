"""A lender's program that imports a converted credit model and records its approvals on chain (docs/lending.md)."""
