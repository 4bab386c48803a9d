"""Built-in processors. Each lives in its own module and is registered by name in
:data:`toolkit.registry.PROCESSORS`; modules are imported only when a pipeline uses them."""
