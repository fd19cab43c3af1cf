"""Scale-out example: stateless webhook receivers and queue workers sharing one Redis.

``receiver.py`` is the ASGI app the platforms call, ``worker.py`` the arq worker settings that run
the handlers of ``bot.py``; ``settings.py`` reads the configuration from the environment. See
``README.md`` beside this file.
"""
