"""The bureau's notices (群发): composing, approving and scheduling broadcasts, their audiences within
WeChat's monthly limit, residents' area subscriptions kept as WeChat user tags, and the sending itself.

Surfaces (console, CLI, chat handlers, jobs) call these functions; the WeChat calls happen in jobs only.
"""
