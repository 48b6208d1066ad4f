"""ecs-imagebuilder-emulator: a local emulator of the Alibaba Cloud ECS Image Builder API.

Installing this package puts the ``ecs-imagebuilder-emulator`` binary on ``PATH`` and registers a
pytest plugin (``ecs_imagebuilder_emulator.pytest_plugin``) whose ``emulator`` fixture starts the
binary on a free port with a fresh database. :class:`Emulator` is the same thing without pytest.
"""

from ecs_imagebuilder_emulator.emulator import (
    DEFAULT_ACCOUNT,
    BINARY_ENV,
    Emulator,
    EmulatorError,
    find_binary,
)

__all__ = ["BINARY_ENV", "DEFAULT_ACCOUNT", "Emulator", "EmulatorError", "find_binary"]
