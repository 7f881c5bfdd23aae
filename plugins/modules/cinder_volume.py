#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cinder_volume
short_description: Manage a Cinder volume, found by name, and its attachment to a server
version_added: "0.1.0"
description:
  - Creates, extends, attaches, detaches or deletes a Block Storage v3 volume, found by name among the
    volumes of the project of the credentials.
  - The tutorial's C(cinder create --display_name data1 1) and C(nova volume-attach vm1 <id> /dev/vdb),
    with their waits, as one task.
  - Creation waits for the volume to be C(available). When Cinder cannot create it (status C(error)), the
    task fails with a message and the result's C(status). The volume is left for inspection
    (C(openstack volume show)), and later runs fail the same way until O(state=absent) deletes it.
  - With O(server), the volume is attached through Nova and the module waits for it to be C(in-use)
    with an attachment to that server. A volume already attached to that server is left as it is. A
    volume attached to another server fails the task, and nothing is written.
  - A bigger O(size) extends the volume (action C(os-extend)). An C(available) volume is extended before it
    is attached. An C(in-use) volume is extended online, which needs volume API 3.42 (the module sends
    it) and a backend and compute driver that support it (LVM with libvirt does). A smaller O(size) fails,
    because volumes cannot shrink.
  - Bad input fails before anything is written. That covers a size below 1, a smaller size, an unknown
    volume type or server, a volume of another type, and a volume in an error status.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the volume. Two volumes of that name in the project fail the task.
    type: str
    required: true
  size:
    description:
      - Size in GiB, 1 or more. Required to create the volume.
      - More than the volume's size extends it; less fails.
    type: int
  volume_type:
    description:
      - Name (or ID) of the volume type; Cinder's default type when not given.
      - A volume of another type fails the task; this module does not retype volumes.
    type: str
  description:
    description: Description of the volume; left as it is when not given.
    type: str
  server:
    description:
      - Name (or ID) of a server of the project, to attach the volume to (through Nova's
        C(os-volume_attachments)).
      - When not given, the volume's attachments are left as they are.
    type: str
  device:
    description:
      - Device name asked for when attaching, such as C(/dev/vdb). Nova takes it as a hint; the libvirt
        driver picks the next free name. It is not compared on a volume already attached.
      - Needs O(server).
    type: str
  wait:
    description:
      - Wait for the end of the last operation (C(available) after creation, C(in-use) after attaching, the
        new size after extending, the volume gone after deletion).
      - Operations that need the volume settled wait whatever O(wait) says. A volume is attached or extended
        only once it is C(available), and deleted only once it is detached.
    type: bool
    default: true
  timeout:
    description: Seconds each wait may last before the task fails (with the volume's C(status) in the result).
    type: int
    default: 300
  state:
    description:
      - Whether the volume must exist. C(absent) detaches it from its servers, deletes it and (with
        O(wait)) waits until it is gone.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the volume, its type and the server and reports what would be created, extended,
      attached or deleted, writing nothing.
  diff_mode:
    support: full
    description: Shows the volume (size, status, type, description, attachments) before and after.
notes:
  - Cinder's catalog entry C(volumev3) must be registered. Its URLs are C(http://host:8776/v3/) followed by
    Keystone's project ID template, so the module's paths are relative to the project.
  - Attaching needs a compute host that can connect the volume. With the LVM backend over iSCSI, that
    means an iSCSI initiator (C(open-iscsi)) on the compute host. A failed attachment puts the volume back
    to C(available). The task then fails and says so; C(openstack server event list) shows Nova's side.
"""

EXAMPLES = r"""
- name: The tutorial's 1 GiB volume, attached to vm1 as the second disk
  lab.openstack.cinder_volume:
    cloud: lab-demo
    name: data1
    size: 1
    server: vm1
    device: /dev/vdb
  register: data1

- name: Explain a volume Cinder could not create
  ansible.builtin.debug:
    msg: "cinder-volume could not create data1 ({{ data1.status }}): is the volume group there?"
  when: data1 is failed and data1.status | default('') == 'error'

- name: Twice as big, while attached (volume API 3.42)
  lab.openstack.cinder_volume:
    cloud: lab-demo
    name: data1
    size: 2
    server: vm1

- name: Detach and delete it
  lab.openstack.cinder_volume:
    cloud: lab-demo
    name: data1
    state: absent
"""

RETURN = r"""
volume:
  description: The volume after the change (null when absent), its attachments with their servers' names.
  returned: always
  type: dict
  sample:
    id: 5b7c2f0e-8a31-4c55-9e0c-3f1d9a1b2c3d
    name: data1
    size: 1
    status: in-use
    volume_type: __DEFAULT__
    description: null
    bootable: "false"
    availability_zone: nova
    attachments:
      - server: vm1
        server_id: 0f6c9b8a-1d2e-4f30-8a4b-5c6d7e8f9a0b
        device: /dev/vdb
status:
  description: The volume's status when the task failed on it (such as C(error) when Cinder could not create it).
  returned: on a failure about the volume
  type: str
  sample: error
"""

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.cinder import (
    TRANSIENT, CinderModule, attached_servers, is_error)
from ansible_collections.lab.openstack.plugins.module_utils.nova import DetailedError
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

HINTS = {
    "error": "Cinder could not create it; see cinder-volume's log (with the LVM backend: is the volume group "
             "there, and device-mapper?). The volume is left for inspection; state: absent deletes it",
    "error_extending": "Cinder could not extend it; see cinder-volume's log",
    "error_deleting": "Cinder could not delete it; an admin must reset its state (openstack volume set "
                      "--state available) before it can be deleted again",
}


class VolumeModule(CinderModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        size=dict(type="int"),
        volume_type=dict(type="str"),
        description=dict(type="str"),
        server=dict(type="str"),
        device=dict(type="str"),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=300),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(required_by={"device": "server"})

    def __init__(self):
        super().__init__()
        self.wrote = False

    # --- failing and waiting ------------------------------------------------------------------
    def label(self, volume):
        return "volume %s (%s)" % (self.params["name"], volume["id"])

    def status_error(self, volume, doing=""):
        """The failure of a volume in an error status, with that status in the result."""
        status = volume["status"]
        return DetailedError("%s is in status %s%s: %s" % (
            self.label(volume), status, doing, HINTS.get(status, "see cinder-volume's log")),
            status=status, volume=self.view(volume), changed=self.wrote)

    def await_volume(self, volume, ready, doing, failed=None):
        """Poll volume until ready(it); an error status, its disappearance or the timeout fail."""
        label = self.label(volume)

        def problem(current):
            if current is None:
                return "%s disappeared while waiting for it %s" % (label, doing)
            if is_error(current["status"]):
                exc = self.status_error(current, " (waiting for it %s)" % doing)
                return str(exc)
            return failed(current) if failed else None

        def details(current):
            return {"status": current["status"] if current else "deleted", "volume": self.view(current),
                    "changed": self.wrote}

        return self.wait_for(lambda: self.volume(volume["id"]), ready, self.params["timeout"],
                             lambda current: "%s %s (status %s)" % (
                                 label, doing, current["status"] if current else "deleted"),
                             failed=problem, details=details)

    def settle(self, volume):
        """The volume once it is no longer in a transient status (None if it went away)."""
        if volume is None or volume["status"] not in TRANSIENT:
            return volume
        return self.await_volume(volume, lambda v: v is None or v["status"] not in TRANSIENT,
                                 "to leave status %s" % volume["status"])

    # --- writing ----------------------------------------------------------------------------
    def create(self, volume_type, server):
        p = self.params
        body = {"name": p["name"], "size": p["size"]}
        if volume_type:
            body["volume_type"] = volume_type["name"]
        if p["description"] is not None:
            body["description"] = p["description"]
        if self.check_mode:
            predicted = dict(body, id=None, status="available", volume_type=body.get("volume_type"),
                             description=p["description"], bootable="false", availability_zone=None,
                             attachments=[])
            return self.predicted_attach(predicted, server) if server else predicted
        volume = self.request("POST", "volumes", json={"volume": body}, ok=(202,)).json()["volume"]
        self.wrote = True
        if p["wait"] or server:
            volume = self.await_volume(volume, lambda v: v["status"] == "available", "to become available")
        return volume

    def extend(self, volume, size, settle):
        if self.check_mode:
            return dict(volume, size=size)
        self.request("POST", "volumes/%s/action" % quote(volume["id"]), json={"os-extend": {"new_size": size}},
                     ok=(202,))
        self.wrote = True
        status = volume["status"]
        if self.params["wait"] or settle:
            return self.await_volume(volume, lambda v: v["status"] == status and v["size"] == size,
                                     "to be extended to %s GiB" % size)
        return dict(volume, size=size, status="extending")

    def predicted_attach(self, volume, server):
        return dict(volume, status="in-use", attachments=[
            {"server_id": server["id"], "device": self.params["device"]}])

    def attach(self, volume, server):
        if self.check_mode:
            return self.predicted_attach(volume, server)
        body = {"volumeId": volume["id"]}
        if self.params["device"]:
            body["device"] = self.params["device"]
        self.request("POST", "servers/%s/os-volume_attachments" % quote(server["id"]),
                     json={"volumeAttachment": body}, ok=(200,), service_type="compute")
        self.wrote = True
        if not self.params["wait"]:
            return self.volume(volume["id"])

        def rolled_back(current):
            # Nova reserves the volume before answering: available again means the attachment failed.
            if current["status"] == "available" and server["id"] not in attached_servers(current):
                return ("attaching %s to server %s failed: the volume is available again, not attached. Nova "
                        "could not connect it on the compute host (with LVM over iSCSI: is an iSCSI initiator, "
                        "open-iscsi, running there?); see openstack server event list %s" % (
                            self.label(volume), server["name"], server["name"]))
            return None

        return self.await_volume(
            volume, lambda v: v["status"] == "in-use" and server["id"] in attached_servers(v),
            "to be attached to server %s" % server["name"], failed=rolled_back)

    def detach_all(self, volume):
        servers = attached_servers(volume)
        if not servers or self.check_mode:
            return volume
        for server_id in servers:
            self.request("DELETE", "servers/%s/os-volume_attachments/%s" % (quote(server_id), quote(volume["id"])),
                         ok=(202, 204, 404), service_type="compute")
            self.wrote = True
        # Deleting needs the volume detached, whatever wait says.
        return self.await_volume(volume, lambda v: v["status"] == "available" and not attached_servers(v),
                                 "to be detached")

    def delete(self, volume):
        volume = self.detach_all(volume)
        if self.check_mode:
            return
        self.request("DELETE", "volumes/%s" % quote(volume["id"]), ok=(202, 204))
        self.wrote = True
        if self.params["wait"]:
            self.await_volume(volume, lambda v: v is None, "to be deleted")

    # --- running ----------------------------------------------------------------------------
    def validate(self):
        p = self.params
        if not p["name"] or not p["name"].strip():
            raise OpenStackError("name must not be empty")
        if p["size"] is not None and p["size"] < 1:
            raise OpenStackError("size must be 1 (GiB) or more, not %s" % p["size"])
        if p["timeout"] < 0:
            raise OpenStackError("timeout must be 0 or more, not %s" % p["timeout"])
        if p["device"] is not None and not p["device"].startswith("/dev/"):
            raise OpenStackError("device %r is not a device path such as /dev/vdb" % p["device"])

    def run(self):
        p = self.params
        self.validate()
        server = self.server(p["server"]) if p["server"] and p["state"] == "present" else None
        current = self.settle(self.volume_named(p["name"]))
        before = self.view(current)
        if p["state"] == "absent":
            if current is not None:
                if current["status"] == "error_deleting":
                    raise self.status_error(current)
                self.delete(current)
            return self.resource_result("volume", before, None)

        if current is None:
            if p["size"] is None:
                raise OpenStackError("volume %s does not exist; size is needed to create it" % p["name"])
            volume_type = self.volume_type(p["volume_type"]) if p["volume_type"] else None
            volume = self.create(volume_type, server)
            if server and not self.check_mode:
                volume = self.attach(volume, server)
            return self.resource_result("volume", None, self.view(volume))
        return self.update(current, before, server)

    def update(self, current, before, server):
        p = self.params
        # Everything that can fail is checked before the first write.
        if is_error(current["status"]):
            raise self.status_error(current)
        if p["volume_type"] and p["volume_type"] != current.get("volume_type"):
            wanted = self.volume_type(p["volume_type"])
            if wanted["name"] != current.get("volume_type"):
                raise OpenStackError("%s has volume type %s, not %s; this module does not retype volumes" % (
                    self.label(current), current.get("volume_type"), wanted["name"]))
        if p["size"] is not None and p["size"] < current["size"]:
            raise OpenStackError("%s is %s GiB; it cannot shrink to %s GiB" % (
                self.label(current), current["size"], p["size"]))
        servers = attached_servers(current)
        attach = bool(server) and server["id"] not in servers
        if attach and servers:
            raise OpenStackError("%s is attached to server %s, not %s; detach it first (state: absent deletes it)"
                                 % (self.label(current), ", ".join(str(self.server_name(s) or s) for s in servers),
                                    server["name"]))
        if attach and current["status"] != "available":
            raise DetailedError("%s is %s; only an available volume can be attached" % (
                self.label(current), current["status"]), status=current["status"], volume=before, changed=False)

        volume = current
        if p["description"] is not None and (current.get("description") or "") != p["description"]:
            volume = dict(volume, description=p["description"])
            if not self.check_mode:
                volume = self.request("PUT", "volumes/%s" % quote(current["id"]),
                                      json={"volume": {"description": p["description"]}}, ok=(200,)).json()["volume"]
                self.wrote = True
        if p["size"] is not None and p["size"] > current["size"]:
            volume = self.extend(volume, p["size"], settle=attach)
        if attach:
            volume = self.attach(volume, server)
        return self.resource_result("volume", before, self.view(volume))


def main():
    VolumeModule()()


if __name__ == "__main__":
    main()
