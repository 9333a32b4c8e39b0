"""Residents as people: what we keep about them and removing it (我的信息 / 删除我的信息)."""
