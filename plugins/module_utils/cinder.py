# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Block Storage v3 base of cinder_volume: NovaModule (attachments go through Nova) plus Cinder.

Cinder's catalog entry is ``volumev3`` with an endpoint ending in the project's ID
(``http://host:8776/v3/%(project_id)s``), so paths are relative to the project
(``volumes/detail``). Every volume request sends ``OpenStack-API-Version: volume 3.42``:
3.42 is the first microversion that extends an attached (``in-use``) volume.
"""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.nova import NovaModule, with_query
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

VOLUME_SERVICE = "volumev3"
VOLUME_MICROVERSION = "3.42"
# A volume in one of these statuses is on its way to another; wait for it to settle.
TRANSIENT = ("creating", "attaching", "detaching", "reserved", "extending", "deleting", "downloading",
             "uploading", "retyping", "backing-up", "restoring-backup", "maintenance")
# What the module shows of a volume (attachments are added with their servers' names).
VIEW = ("id", "name", "size", "status", "volume_type", "description", "bootable", "availability_zone")


def is_error(status):
    """error, error_extending, error_deleting, error_restoring, error_managing..."""
    return bool(status) and status.startswith("error")


def attached_servers(volume):
    """The IDs of the servers volume is attached to, in order."""
    return [a.get("server_id") for a in volume.get("attachments") or [] if a.get("server_id")]


class CinderModule(NovaModule):
    """NovaModule whose own service is Block Storage v3."""

    service_type = VOLUME_SERVICE
    volume_microversion = VOLUME_MICROVERSION

    def microversion_headers(self, service_type):
        if service_type == VOLUME_SERVICE:
            return {"OpenStack-API-Version": "volume %s" % self.volume_microversion}
        return super().microversion_headers(service_type)

    # --- volumes -------------------------------------------------------------------------
    def volume_named(self, name):
        """The caller's project's volume called name, or None; several fail naming their IDs."""
        volumes = self.listing(with_query("volumes/detail", name=name), "volumes")
        return self.find_named(volumes, name, "volume", "name", required=False)

    def volume(self, volume_id):
        """A volume by ID, or None once it is gone."""
        response = self.request("GET", "volumes/%s" % quote(volume_id), ok=(200, 404))
        return response.json()["volume"] if response.status_code == 200 else None

    def volume_type(self, name):
        """The volume type named (or with the ID) name, among those the caller may use."""
        types = self.listing("types", "volume_types")
        for item in types:
            if name in (item.get("name"), item.get("id")):
                return item
        raise OpenStackError("volume_type %r does not exist (known: %s)" % (
            name, ", ".join(sorted(str(t.get("name")) for t in types)) or "none"))

    def view(self, volume):
        """The volume as results and diffs show it: attachments with server names and devices."""
        if volume is None:
            return None
        shown = {k: volume.get(k) for k in VIEW}
        shown["attachments"] = [{"server": self.server_name(a["server_id"]), "server_id": a["server_id"],
                                 "device": a.get("device")}
                                for a in volume.get("attachments") or [] if a.get("server_id")]
        return shown
