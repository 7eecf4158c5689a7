"""Course authors' tools (bring your own article): new-article, the author mode's key editor,
new-lesson, new-assignment and handout. Needs the `authoring` extra for HTML and segmentation."""
