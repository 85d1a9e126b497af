#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test-only module with what the collection's modules do not declare yet: aliases, deprecated
aliases and options, nested no_log options. It runs through the collection's Task and action base,
so the execution_paths target can compare both paths on them."""

from __future__ import annotations

DOCUMENTATION = r"""
module: paths_options
short_description: Test-only module for the execution_paths target
description: Echoes its options after validation, with one request to the API.
author:
  - edgeops maintainers (@edgeops)
options: {}
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task


class Echo(object):
    """One GET (the account's tunnels), then the validated options back."""

    secrets = ()

    def __init__(self, client, params, check_mode, diff):
        self.client, self.params, self.check_mode, self.diff = client, params, check_mode, diff

    @classmethod
    def check(cls, params):
        return dict(params)

    def run(self):
        count = len(list(self.client.paginate("/accounts/%s/cfd_tunnel" % self.params["account_id"])))
        echo = dict((key, self.params[key]) for key in ("label", "old", "size", "login"))
        return dict(changed=self.params["size"] > 1, echo=echo, tunnels=count,
                    warnings=["label is %s" % self.params["label"]] if self.params["label"] else [])


TASK = Task(
    Echo,
    dict(
        label=dict(type="str", aliases=["tag", "legacy"],
                   deprecated_aliases=[dict(name="legacy", version="9.0.0", collection_name="edgeops.cloudflare")]),
        old=dict(type="str", removed_in_version="9.0.0", removed_from_collection="edgeops.cloudflare"),
        size=dict(type="int", default=1),
        login=dict(type="dict", options=dict(user=dict(type="str"), password=dict(type="str", no_log=True))),
    ),
)


def main():
    TASK.main()


if __name__ == "__main__":
    main()
