"""The JSON API, mounted at /api. One module per resource."""

from starlette.routing import Route

from . import check, meta, programs

routes = [
    Route("/programs", programs.list_programs, methods=["GET"]),
    Route("/programs/{slug}", programs.get_program, methods=["GET"]),
    Route("/questions", check.questions, methods=["GET"]),
    Route("/check", check.check, methods=["POST"]),
    Route("/openapi.json", meta.openapi, methods=["GET"]),
]
