"""The embedded broker: kombu's file-system transport, safe against a process killed mid-publish.

kombu writes a message straight into the queue folder, where a worker may take
it before it is written; and a process killed between creating the file and
writing it (a worker killed in the middle of a sweep) leaves an empty message
that stops the next worker with an unrecoverable JSONDecodeError. Here a
message is written under a name no worker takes and renamed into the queue
when complete; a message that still cannot be read is logged and dropped (the
work it stood for is a row that the next sweep queues again).
"""

import logging
import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

log = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: kombu's reader matches "<anything>.<queue>.msg" after the first dot only.
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.rename(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        while True:
            try:
                return super()._get(queue)
            except ValueError as exc:  # kombu removed the file before it failed to decode
                log.warning("Dropped an unreadable message from queue %s: %s", queue, exc)


class Transport(filesystem.Transport):
    Channel = Channel
