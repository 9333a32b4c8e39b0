"""Thin wrappers around wechatpy: envelopes (signature, AES), typed messages, API clients, the fake."""
