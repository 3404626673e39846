"""The JSON API, mounted at /api. One module per resource."""

from starlette.routing import Route

from . import applications, check, meta, programs

# The self-check is the hot path at a job fair: matched first.
routes = [
    Route("/check", check.check, methods=["POST"]),
    Route("/questions", check.questions, methods=["GET"]),
    Route("/programs", programs.list_programs, methods=["GET"]),
    Route("/programs/{slug}", programs.get_program, methods=["GET"]),
    Route("/applications", applications.submit, methods=["POST"]),
    Route("/applications/{reference}", applications.lookup, methods=["GET"]),
    Route("/openapi.json", meta.openapi, methods=["GET"]),
]
