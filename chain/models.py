"""Buyers, contracts and shipments arrive with the value-chain issue."""
