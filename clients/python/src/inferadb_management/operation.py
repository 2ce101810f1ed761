"""One SDK method per API route, declared once for the sync and the async client.

A resource method is written once as a function that builds a :class:`Call` (query, body, how to read
the answer); the decorator names the route it calls, ``@operation("GET", "/v1/organizations/{org}")``.
Read through a resource of the sync :class:`~inferadb_management.client.Client` the method returns
the model; through the :class:`~inferadb_management.client.AsyncClient`'s, an awaitable of it.
``@paginated`` makes an iterator over every item of a list route (following ``next_cursor``, else
``offset``), ``@streamed`` an iterator over the chunks of a streamed body.

Every declaration is an :class:`Endpoint` with its ``(method, path)``: tests/sdk compares the set
of them with the route manifest, so a route without an SDK method fails a test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Literal, ParamSpec, TypeVar, overload

from pydantic import BaseModel, TypeAdapter

if TYPE_CHECKING:
    from inferadb_management.transport import AsyncTransport, SyncTransport

__all__ = [
    "Call",
    "Endpoint",
    "Id",
    "PageCall",
    "Resource",
    "endpoints_of",
    "inner",
    "items_of",
    "operation",
    "paginated",
    "streamed",
]

P = ParamSpec("P")
T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item of a list
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", "SyncTransport", "AsyncTransport")

PathValue = str | int
Id = int | str
"""An id as the API writes it (a decimal string) or as an int."""
Session = Literal["keep", "set", "clear"]


def parser(kind: type[M]) -> Callable[[Any], M]:
    return kind.model_validate


def union_parser(adapter: TypeAdapter[T]) -> Callable[[Any], T]:
    return adapter.validate_python


def _nothing(_: Any) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """What one request sends and how its answer becomes a value.

    ``path`` fills the route's ``{placeholders}``; ``query`` values of None are left out, lists repeat
    the parameter; ``json`` or ``form`` is the body. ``session`` says what the answer does to the
    client's session: ``set`` takes the ``infera_session`` cookie it sets (login), ``clear`` forgets it
    (logout, revoke-all). ``authenticated=False`` sends no session (the public routes).
    """

    parse: Callable[[Any], T]
    path: Mapping[str, PathValue] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    form: Mapping[str, str] | None = None
    session: Session = "keep"
    authenticated: bool = True


@dataclass(frozen=True, slots=True)
class PageCall(Generic[I]):
    """A list call and how to find the items and the pagination object in each page."""

    call: Call[Any]
    items: Callable[[Any], list[I]]


class Endpoint:
    """A declared SDK method: the route it calls."""

    method: str
    route: str
    name: str

    def bind_name(self, name: str) -> None:
        self.name = name


class Resource(Generic[R]):
    """A group of methods (``client.organizations``, ``client.vaults`` …) over one transport."""

    def __init__(self, transport: R) -> None:
        self._transport: R = transport


def endpoints_of(resource_class: type[Any]) -> list[Endpoint]:
    return [value for klass in resource_class.__mro__ for value in vars(klass).values() if isinstance(value, Endpoint)]


class Operation(Endpoint, Generic[P, T]):
    def __init__(self, method: str, route: str, build: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.method = method
        self.route = route
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.bind_name(name)

    @overload
    def __get__(self, resource: None, owner: type[Any]) -> Operation[P, T]: ...
    @overload
    def __get__(self, resource: Resource[SyncTransport], owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, resource: Resource[AsyncTransport], owner: type[Any]) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, resource: Resource[Any] | None, owner: type[Any]) -> Any:
        if resource is None:
            return self
        transport = resource._transport

        def bound(*args: P.args, **kwargs: P.kwargs) -> Any:
            return transport.send(self.method, self.route, self.build(resource, *args, **kwargs))

        bound.__name__ = self.name
        bound.__doc__ = self.__doc__
        return bound


class Paginated(Endpoint, Generic[P, I]):
    def __init__(self, method: str, route: str, build: Callable[Concatenate[Any, P], PageCall[I]]) -> None:
        self.method = method
        self.route = route
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.bind_name(name)

    @overload
    def __get__(self, resource: None, owner: type[Any]) -> Paginated[P, I]: ...
    @overload
    def __get__(self, resource: Resource[SyncTransport], owner: type[Any]) -> Callable[P, Iterator[I]]: ...
    @overload
    def __get__(self, resource: Resource[AsyncTransport], owner: type[Any]) -> Callable[P, AsyncIterator[I]]: ...
    def __get__(self, resource: Resource[Any] | None, owner: type[Any]) -> Any:
        if resource is None:
            return self
        transport = resource._transport

        def bound(*args: P.args, **kwargs: P.kwargs) -> Any:
            return transport.paginate(self.method, self.route, self.build(resource, *args, **kwargs))

        bound.__name__ = self.name
        bound.__doc__ = self.__doc__
        return bound


class Streamed(Endpoint, Generic[P]):
    def __init__(self, method: str, route: str, build: Callable[Concatenate[Any, P], Call[None]]) -> None:
        self.method = method
        self.route = route
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.bind_name(name)

    @overload
    def __get__(self, resource: None, owner: type[Any]) -> Streamed[P]: ...
    @overload
    def __get__(self, resource: Resource[SyncTransport], owner: type[Any]) -> Callable[P, Iterator[bytes]]: ...
    @overload
    def __get__(self, resource: Resource[AsyncTransport], owner: type[Any]) -> Callable[P, AsyncIterator[bytes]]: ...
    def __get__(self, resource: Resource[Any] | None, owner: type[Any]) -> Any:
        if resource is None:
            return self
        transport = resource._transport

        def bound(*args: P.args, **kwargs: P.kwargs) -> Any:
            return transport.stream(self.method, self.route, self.build(resource, *args, **kwargs))

        bound.__name__ = self.name
        bound.__doc__ = self.__doc__
        return bound


def operation(method: str, route: str) -> Callable[[Callable[Concatenate[Any, P], Call[T]]], Operation[P, T]]:
    """Declare a method that calls ``method route`` once and returns its parsed answer."""

    def declare(build: Callable[Concatenate[Any, P], Call[T]]) -> Operation[P, T]:
        return Operation(method, route, build)

    return declare


def paginated(method: str, route: str) -> Callable[[Callable[Concatenate[Any, P], PageCall[I]]], Paginated[P, I]]:
    """Declare a method that walks every page of a list route, yielding its items."""

    def declare(build: Callable[Concatenate[Any, P], PageCall[I]]) -> Paginated[P, I]:
        return Paginated(method, route, build)

    return declare


def streamed(method: str, route: str) -> Callable[[Callable[Concatenate[Any, P], Call[None]]], Streamed[P]]:
    """Declare a method whose answer is a streamed body, yielded in chunks of bytes."""

    def declare(build: Callable[Concatenate[Any, P], Call[None]]) -> Streamed[P]:
        return Streamed(method, route, build)

    return declare


def no_body() -> Callable[[Any], None]:
    return _nothing


E = TypeVar("E", bound=BaseModel)


def inner(envelope: type[E], get: Callable[[E], T]) -> Callable[[Any], T]:
    """Parse ``envelope`` and return one of its fields (``{"organization": {…}}`` → the organization)."""

    def parse(body: Any) -> T:
        return get(envelope.model_validate(body))

    return parse


def items_of(page: type[E], get: Callable[[E], list[I]]) -> Callable[[Any], list[I]]:
    """The items of one page of a list route, parsed with the page's model."""

    def parse(body: Any) -> list[I]:
        return get(page.model_validate(body))

    return parse


def page_query(limit: int | None, offset: int | None, cursor: str | None, **filters: Any) -> dict[str, Any]:
    return {"limit": limit, "offset": offset, "cursor": cursor, **filters}
