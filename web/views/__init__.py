"""Views of the web app, one module per audience.

``public`` (no login: the network's home, the centre tree, tracking; login, logout, switch),
``agent`` (the village register and a case there), ``desk`` (window staff: worklist, case,
printable notices), ``head``, ``assess`` and ``dictionary``. Views are thin: look up, call the
service the API calls, render; a ``DomainError`` goes beside the field it names (web.forms).
"""
