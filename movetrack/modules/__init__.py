"""The MOVE module library: areas, modules, versions, steps, pictures, import/export, module sheet."""
