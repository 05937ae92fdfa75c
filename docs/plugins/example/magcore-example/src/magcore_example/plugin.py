"""The example plugin: everything it adds is data in this package, handed to magcore as is."""

from magcore.packaged import PackagedPlugin

plugin = PackagedPlugin(__package__)
